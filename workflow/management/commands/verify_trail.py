from django.core.management.base import BaseCommand, CommandError

from workflow.services.trail import trail_verify


class Command(BaseCommand):
    help = "Recompute the trail's hash chain; exit non-zero naming the first broken entry."

    def handle(self, *args, **options):
        checked, broken = trail_verify()
        if broken is not None:
            raise CommandError(
                f"trail broken at entry #{broken.seq} (case {broken.case_number}): {broken.reason}; "
                f"{checked - 1} entries before it are intact"
            )
        self.stdout.write(f"trail intact: {checked} entries")
