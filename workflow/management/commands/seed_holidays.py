from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from workflow.services.holidays import PACKAGE_YEARS, holidays_seed_from_package


class Command(BaseCommand):
    help = (
        "Store the statutory holidays and adjusted working days of the chinese-calendar package in the "
        "working-day calendar. Rows entered by hand are kept. Run again after upgrading the package."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--years",
            type=int,
            nargs="+",
            help=f"Only these years (default: all the package knows, {PACKAGE_YEARS.start}-{PACKAGE_YEARS.stop - 1}).",
        )

    def handle(self, *args, years: list[int] | None = None, **options):
        for year in years or []:
            if year not in PACKAGE_YEARS:
                self.stderr.write(
                    self.style.WARNING(
                        _("The chinese-calendar package holds no data for %(year)d: enter it in the admin.")
                        % {"year": year}
                    )
                )
        if years:
            added = sum(holidays_seed_from_package(years=range(year, year + 1)) for year in sorted(set(years)))
        else:
            added = holidays_seed_from_package()
        self.stdout.write(self.style.SUCCESS(_("Added %(count)d days to the working-day calendar.") % {"count": added}))
