from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from workflow.services.holiday_import import MAX_BYTES, holidays_import


class Command(BaseCommand):
    help = (
        "Import a year's holiday schedule from a CSV file (date_from,date_to,kind,name per line; see "
        "docs/holidays.md). The file replaces the year's days; open cases whose deadlines move are recomputed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The schedule file (UTF-8 CSV).")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")
        parser.add_argument(
            "--complete", action="store_true", help="The file is the whole schedule: mark the year complete."
        )

    def handle(self, *args, file: str, dry_run: bool, complete: bool, **options):
        try:
            with open(file, "rb") as handle:
                content = handle.read(MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": error.strerror}) from None
        try:
            report = holidays_import(content=content, complete=complete, dry_run=dry_run)
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from None
        out = self.stdout
        if report.dry_run:
            out.write(_("Dry run: nothing was written."))
        out.write(
            _("%(year)d: %(added)d days added, %(removed)d removed, %(changed)d changed.")
            % {
                "year": report.year,
                "added": len(report.added),
                "removed": len(report.removed),
                "changed": len(report.changed),
            }
        )
        for label, days in ((_("added"), report.added), (_("removed"), report.removed), (_("changed"), report.changed)):
            if days:
                out.write(f"  {label}: {', '.join(day.isoformat() for day in days)}")
        if report.completed:
            out.write(_("%(year)d is marked complete.") % {"year": report.year})
        out.write(_("Open cases whose deadline moves: %(count)d") % {"count": len(report.moved)})
        for moved in report.moved:
            old, new = (
                timezone.localdate(at).isoformat() if at else "—" for at in (moved.deadline_at, moved.new_deadline_at)
            )
            out.write(f"  {moved.number}: {old} → {new}")


def _day(moment) -> str:
    return timezone.localdate(moment).isoformat() if moment else "—"
