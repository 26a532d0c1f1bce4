"""Changes to the holiday calendar: seeding from the package, edits, marking a year complete.

Every change recomputes the open cases whose deadlines the changed days move
(workflow.services.deadlines), in the same transaction.
"""

from collections.abc import Iterable
from datetime import date, timedelta

import chinese_calendar
from chinese_calendar.constants import holidays as package_holidays
from django.db import transaction
from django.utils import timezone

from ..models import Holiday, HolidayKind, HolidaySource, HolidayYear
from .deadlines import Moved, deadlines_recompute

PACKAGE_YEARS = range(min(package_holidays).year, max(package_holidays).year + 1)
CHINESE_NAMES = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}


def _package_days(years: range) -> dict[date, tuple[str, str]]:
    """Every day the package marks as a holiday (weekend days of a holiday too) or an adjusted workday."""
    days = {}
    for year in years:
        day = date(year, 1, 1)
        while day.year == year:
            is_holiday, name = chinese_calendar.get_holiday_detail(day)
            if name is not None:  # None: an ordinary weekday or weekend
                kind = HolidayKind.HOLIDAY if is_holiday else HolidayKind.WORKDAY
                days[day] = (kind, CHINESE_NAMES.get(name, name))
            day += timedelta(days=1)
    return days


@transaction.atomic
def holidays_seed_from_package(*, years: range | None = None) -> int:
    """Store the package's holidays and adjusted workdays for ``years`` (default: all it knows), and
    mark those years complete.

    Years the package does not know are skipped. Rows seeded before are brought up to date; rows
    entered by hand are never touched. Returns the number of rows added.
    """
    wanted = [year for year in (years if years is not None else PACKAGE_YEARS) if year in PACKAGE_YEARS]
    if not wanted:
        return 0
    days = _package_days(range(min(wanted), max(wanted) + 1))
    days = {day: value for day, value in days.items() if day.year in wanted}
    existing = Holiday.objects.select_for_update().in_bulk(list(days), field_name="date")
    changed = []
    for day, row in existing.items():
        if row.source == HolidaySource.CHINESE_CALENDAR and (row.kind, row.name) != days[day]:
            row.kind, row.name = days[day]
            changed.append(row)
    Holiday.objects.bulk_update(changed, ["kind", "name"])
    completed = years_mark_complete(wanted, source=HolidaySource.CHINESE_CALENDAR, user=None)
    # Package data, valid by construction: no full_clean() per row. ignore_conflicts: a row
    # entered by hand since the read above wins.
    added = Holiday.objects.bulk_create(
        [
            Holiday(date=day, kind=kind, name=name, source=HolidaySource.CHINESE_CALENDAR)
            for day, (kind, name) in days.items()
            if day not in existing
        ],
        ignore_conflicts=True,
    )
    changed_days = {row.date for row in changed} | {row.date for row in added} | days_of_years(completed)
    deadlines_recompute(days=changed_days)
    return len(added)


def days_of_years(years: Iterable[int]) -> set[date]:
    """Every day of ``years``: marking a year complete ends the fallback on each of its days without a row."""
    days = set()
    for year in years:
        first = date(year, 1, 1)
        days.update(first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days))
    return days


def years_mark_complete(years: Iterable[int], *, source: str, user) -> list[int]:
    """Mark ``years`` complete; returns those that were not complete before."""
    years = set(years)
    known = dict(HolidayYear.objects.select_for_update().filter(year__in=years).values_list("year", "complete"))
    newly = sorted(year for year in years if not known.get(year))
    now = timezone.now()
    HolidayYear.objects.filter(year__in=newly).update(complete=True, source=source, completed_by=user, completed_at=now)
    HolidayYear.objects.bulk_create(
        [
            HolidayYear(year=year, complete=True, source=source, completed_by=user, completed_at=now)
            for year in newly
            if year not in known
        ]
    )
    return newly


@transaction.atomic
def holiday_years_mark(*, years: Iterable[int], complete: bool, user) -> list[Moved]:
    """An administrator marks ``years`` complete (the fallback ends) or not complete (it applies again
    to their days without a row); the open cases those days move are recomputed."""
    years = set(years)
    if complete:
        changed = years_mark_complete(years, source=HolidaySource.MANUAL, user=user)
    else:
        changed = sorted(HolidayYear.objects.filter(year__in=years, complete=True).values_list("year", flat=True))
        HolidayYear.objects.filter(year__in=changed).update(complete=False, completed_by=None, completed_at=None)
        HolidayYear.objects.bulk_create([HolidayYear(year=year) for year in sorted(years)], ignore_conflicts=True)
    return deadlines_recompute(days=days_of_years(changed))


@transaction.atomic
def holiday_save(*, holiday: Holiday, previous_date: date | None = None) -> list[Moved]:
    """Save a row entered or edited by hand (seeding leaves it alone from now on); the open cases its
    day (and the day it was moved from) touch are recomputed."""
    holiday.source = HolidaySource.MANUAL
    holiday.full_clean()
    holiday.save()
    return deadlines_recompute(days={holiday.date, *([previous_date] if previous_date else [])})


@transaction.atomic
def holidays_delete(*, holidays: Iterable[Holiday]) -> list[Moved]:
    """Remove rows: their days are ordinary days again (or fall back, in a year not complete)."""
    days = {holiday.date for holiday in holidays}
    Holiday.objects.filter(date__in=days).delete()
    return deadlines_recompute(days=days)
