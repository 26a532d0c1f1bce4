from datetime import date, timedelta

import chinese_calendar
from chinese_calendar.constants import holidays as package_holidays
from django.db import transaction

from ..models import Holiday, HolidayKind, HolidaySource

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
    """Store the package's holidays and adjusted workdays for ``years`` (default: all it knows).

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
    return len(added)
