from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.module_loading import import_string

from portal.demo import DEMO_PASSWORD
from portal.zones import serves_internal

# Each app's demo seeder, in dependency order; each is idempotent. Where cases are processed
# (internal, single) everything is seeded; the external zone gets its accounts and calendar here,
# and its catalogue through the exchange, from the internal zone's demo catalogue.
SEEDERS = [
    "portal.demo.seed",
    "powers.demo.seed",
    "workflow.documents.seals.seed",
    "workflow.demo.seed",
    "workflow.demo_penalties.seed",
    "supervision.demo.seed",
    "video.demo.seed",
]
EXTERNAL_SEEDERS = ["portal.demo.seed", "workflow.demo.seed_calendar"]


class Command(BaseCommand):
    help = "Create or refresh the demo data (idempotent): departments, one user per role, and more."

    def handle(self, *args, **options):
        logins = []
        for seeder in SEEDERS if serves_internal() else EXTERNAL_SEEDERS:
            logins += import_string(seeder)() or []
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Logins (password for all: {DEMO_PASSWORD}):"))
        with translation.override(settings.LANGUAGE_CODE):
            for username, role in logins:
                self.stdout.write(f"  {username:<14} {role}")
