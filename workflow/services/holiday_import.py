"""Importing a year's official holiday schedule from a small CSV file (format: docs/holidays.md).

One line per range of days: ``date_from,date_to,kind,name``, kind ``holiday`` (放假) or
``workday`` (调休上班); an optional header line, blank lines and ``#`` comments. Every line must
be of one year; the file is that year's whole schedule, so the year's rows it does not name are
removed. Nothing is stored unless the whole file is valid, and a dry run stores nothing at all.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Holiday, HolidayKind, HolidaySource
from .deadlines import Moved, deadlines_recompute
from .holidays import days_of_years, years_mark_complete

MAX_BYTES = 64 * 1024
# A range longer than this is a typing error (the longest holiday, the Spring Festival, is nine days).
MAX_RANGE_DAYS = 31
HEADER = ["date_from", "date_to", "kind", "name"]


@dataclass(frozen=True)
class ImportReport:
    year: int
    added: list[date]
    removed: list[date]
    changed: list[date]
    completed: bool  # the year was (or, in a dry run, would be) marked complete by this import
    moved: list[Moved]  # the open cases whose deadlines moved (or would move)
    dry_run: bool


def _date(text: str, line: int) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            _("Line %(line)d: “%(text)s” is not a date written as YYYY-MM-DD.") % {"line": line, "text": text[:20]}
        ) from None


def schedule_parse(content: bytes) -> tuple[int, dict[date, tuple[str, str]]]:
    """(year, {day: (kind, name)}) from a schedule file; ValidationError with every problem found."""
    if len(content) > MAX_BYTES:
        raise ValidationError(_("The schedule file is larger than 64 KB: it is not a year's schedule."))
    if b"\x00" in content:
        raise ValidationError(_("The schedule file is not a text file."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The schedule file must be saved as UTF-8 text.")) from None
    errors, days, years = [], {}, set()
    for line, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in cells]
        if not any(cells) or cells[0].startswith("#") or [cell.lower() for cell in cells] == HEADER:
            continue
        if len(cells) != 4:
            errors.append(_("Line %(line)d: give date_from,date_to,kind,name.") % {"line": line})
            continue
        try:
            first, last = _date(cells[0], line), _date(cells[1], line)
        except ValidationError as error:
            errors.extend(error.messages)
            continue
        kind, name = cells[2].lower(), cells[3][:100]
        if kind not in HolidayKind.values:
            errors.append(_("Line %(line)d: the kind is holiday or workday.") % {"line": line})
            continue
        if not first <= last or (last - first).days >= MAX_RANGE_DAYS:
            errors.append(_("Line %(line)d: the range of days is reversed or too long.") % {"line": line})
            continue
        for i in range((last - first).days + 1):
            day = first + timedelta(days=i)
            if day in days and days[day][0] != kind:
                errors.append(
                    _("Line %(line)d: %(day)s is given both as a holiday and as a workday.")
                    % {"line": line, "day": day.isoformat()}
                )
            days[day] = (kind, name)
            years.add(day.year)
    if len(years) > 1:
        errors.append(_("The file holds days of several years: import one year's schedule at a time."))
    if not errors and not days:
        errors.append(_("The schedule file holds no days."))
    if errors:
        raise ValidationError(errors)
    return years.pop(), days


@transaction.atomic
def holidays_import(*, content: bytes, user=None, complete: bool = False, dry_run: bool = False) -> ImportReport:
    """Replace a year's rows with the schedule in ``content``; ``complete`` marks the year complete.

    The open cases the changed days move are recomputed (deadlines_recompute). A dry run does all of
    it and rolls it back, so that its report of what would change is exact.
    """
    year, days = schedule_parse(content)
    with transaction.atomic():
        existing = {row.date: row for row in Holiday.objects.select_for_update().filter(date__year=year)}
        added = sorted(day for day in days if day not in existing)
        removed = sorted(day for day in existing if day not in days)
        changed = sorted(day for day, row in existing.items() if day in days and (row.kind, row.name) != days[day])
        Holiday.objects.filter(date__in=removed).delete()
        for day in changed:
            existing[day].kind, existing[day].name = days[day]
            existing[day].source = HolidaySource.IMPORTED
        Holiday.objects.bulk_update([existing[day] for day in changed], ["kind", "name", "source"])
        Holiday.objects.bulk_create(
            Holiday(date=day, kind=days[day][0], name=days[day][1], source=HolidaySource.IMPORTED) for day in added
        )
        completed = years_mark_complete([year], source=HolidaySource.IMPORTED, user=user) if complete else []
        moved = deadlines_recompute(days={*added, *removed, *changed, *days_of_years(completed)})
        if dry_run:
            transaction.set_rollback(True)
    return ImportReport(year, added, removed, changed, bool(completed), moved, dry_run)
