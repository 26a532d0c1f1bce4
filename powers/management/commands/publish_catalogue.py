from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portal.zones import serves_internal
from powers.services import catalogue_publish_all


class Command(BaseCommand):
    help = "Send the whole published catalogue to the external zone again, e.g. to a zone installed afresh."

    def handle(self, *args, **options):
        if not serves_internal():
            raise CommandError(_("This zone's catalogue is a copy: send it from the internal zone."))
        count = catalogue_publish_all()
        self.stdout.write(
            self.style.SUCCESS(_("Queued %(count)d catalogue items for the external zone.") % {"count": count})
        )
