from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from supervision.services.sweep import sweep


class Command(BaseCommand):
    help = "Run the monitoring rules once, as of now or of --at (to check rules against the past)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Run one sweep (the only mode; beat runs it every minute)."
        )
        parser.add_argument("--at", help="The moment to judge as, ISO-8601 (local time when no offset is given).")
        parser.add_argument("--rule", action="append", dest="codes", help="Only this rule (repeatable).")

    def handle(self, *args, at=None, codes=None, **options):
        moment = None
        if at:
            try:
                moment = datetime.fromisoformat(at)
            except ValueError:
                raise CommandError(f"--at {at!r} is not an ISO-8601 date-time") from None
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        results = sweep(at=moment, codes=codes)
        for code, changes in results.items():
            self.stdout.write(
                f"{code}: raised {changes.raised}, turned red {changes.escalated}, cleared {changes.cleared}"
            )
