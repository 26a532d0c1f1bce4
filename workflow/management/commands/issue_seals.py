from django.core.management.base import BaseCommand

from portal.models import Department
from workflow.documents.seals import root_cert_path, seal_ensure


class Command(BaseCommand):
    help = "Create the portal's CA and a seal for every department that has none (keys are never replaced)."

    def handle(self, *args, **options):
        created = [department.code for department in Department.objects.all() if seal_ensure(department)]
        names = ", ".join(created) or "none"
        self.stdout.write(f"Seals issued: {len(created)} new ({names}); root certificate: {root_cert_path()}")
