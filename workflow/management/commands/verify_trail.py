from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from workflow.services.trail import checkpoint_parse, trail_verify


class Command(BaseCommand):
    help = (
        "Check the trail's hash chain, each entry's seal and the signed checkpoints; exit non-zero "
        "naming the first bad entry."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            metavar="JSON",
            help="a checkpoint of this zone kept outside its database (as /public/trail/ shows it); repeatable",
        )

    def handle(self, *args, **options):
        try:
            given = [checkpoint_parse(text) for text in options["checkpoint"]]
        except ValueError as error:
            raise CommandError(str(error)) from error
        if foreign := [checkpoint for checkpoint in given if checkpoint.zone != settings.PORTAL_ZONE]:
            raise CommandError(f"a checkpoint of zone {foreign[0].zone}: this is zone {settings.PORTAL_ZONE}")
        checked, broken = trail_verify(checkpoints=given)
        if broken is not None:
            case = f" (case {broken.case_number})" if broken.case_number else ""
            raise CommandError(
                f"trail broken at entry #{broken.seq}{case}: {broken.reason}; "
                f"{max(checked - 1, 0)} entries before it are intact"
            )
        self.stdout.write(f"trail intact: {checked} entries")
