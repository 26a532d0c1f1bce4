from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from powers.catalogue_io import catalogue_export, format_of


class Command(BaseCommand):
    help = "Export the published catalogue to FILE: .xlsx, or .csv (UTF-8 with a BOM, as Excel opens it)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        fmt = format_of(file)
        if fmt is None:
            raise CommandError(_("The file name must end in .xlsx or .csv."))
        count = catalogue_export(file, fmt=fmt)
        self.stdout.write(
            self.style.SUCCESS(_("Exported %(count)d items to %(file)s.") % {"count": count, "file": file})
        )
