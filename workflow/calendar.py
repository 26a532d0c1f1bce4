"""Working days: the arithmetic of deadlines over the `Holiday` table.

A day the table holds a row for is what the row says (a day off, or an adjusted working weekend
day, 调休上班). Any other day of a year marked complete (``HolidayYear``) is a working day from
Monday to Friday. A year not marked complete is not known yet (the State Council publishes each
schedule late in the year before, and a year may be entered in part): its days without a row count
Monday to Friday minus the fixed-date statutory days below, and the year lands in
``missing_years``. A deadline counted over such a year is provisional (``years_not_covered``) and
says so wherever it is shown. Nothing here raises: a clerk's request must not fail for a calendar
nobody entered.
"""

from collections.abc import Collection, Iterable
from datetime import date, datetime, time, timedelta
from functools import cached_property

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Holiday, HolidayKind, HolidayYear

# 《全国年节及纪念日放假办法》 as revised by the State Council with effect from 2025: the holidays
# on fixed solar dates. Spring Festival, Qingming, Dragon Boat and Mid-Autumn follow the lunar
# calendar (Qingming a solar term) and are left out of the fallback.
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})

ONE_DAY = timedelta(days=1)

Pause = tuple[datetime, datetime | None]


def complete_years() -> frozenset[int]:
    """The years whose schedule an administrator (or the package's seeding) confirmed as complete."""
    return frozenset(HolidayYear.objects.filter(complete=True).values_list("year", flat=True))


def years_not_covered(first: date, last: date, complete: Collection[int]) -> list[int]:
    """The years of the span [first, last] (either order) that are not among ``complete``: a
    deadline counted over the span is provisional unless this is empty."""
    first, last = min(first, last), max(first, last)
    return [year for year in range(first.year, last.year + 1) if year not in complete]


def provisional_note(years: Iterable[int]) -> str:
    """What a provisional deadline says beside it (empty for a deadline over complete years)."""
    years = sorted(years)
    if not years:
        return ""
    return _("Provisional: the holiday schedule for %(years)s is not yet entered") % {
        "years": "、".join(str(year) for year in years)
    }


class WorkingCalendar:
    """Working-day arithmetic, reading the `Holiday` rows of whole years, one query per range.

    Rows are loaded on first use for the years a computation needs (``add_working_days`` and
    ``working_days_between`` load their whole estimated span at once) and kept in the instance, as
    is the set of complete years (one query): build one calendar per request or task, not one per
    case.
    """

    def __init__(self, start: date | None = None, end: date | None = None):
        self._kinds: dict[date, str] = {}
        self._loaded: set[int] = set()
        self.missing_years: set[int] = set()
        if start is not None:
            self._load(start, end or start)

    @cached_property
    def complete_years(self) -> frozenset[int]:
        return complete_years()

    def provisional_years(self, first: date | datetime, last: date | datetime) -> list[int]:
        """The years of a deadline's span (its start and its end) not known in full; see ``years_not_covered``."""
        return years_not_covered(_day(first), _day(last), self.complete_years)

    def _load(self, first: date, last: date) -> None:
        first, last = min(first, last), max(first, last)
        years = set(range(first.year, last.year + 1)) - self._loaded
        if not years:
            return
        lo, hi = min(years), max(years)
        rows = Holiday.objects.filter(date__gte=date(lo, 1, 1), date__lte=date(hi, 12, 31)).values_list("date", "kind")
        for day, kind in rows:
            self._kinds[day] = kind
        self._loaded.update(range(lo, hi + 1))

    def _load_span(self, start: date, working_days: int) -> None:
        # Seven calendar days per five working days, and room for the long holidays.
        days = abs(working_days) * 3 // 2 + 30
        try:
            self._load(start, start + timedelta(days=days if working_days >= 0 else -days))
        except OverflowError:
            self._load(start, start)

    def is_workday(self, day: date) -> bool:
        if day.year not in self._loaded:
            self._load(day, day)
        kind = self._kinds.get(day)
        if kind is not None:
            return kind == HolidayKind.WORKDAY
        if day.year in self.complete_years:
            return day.weekday() < 5
        self.missing_years.add(day.year)
        return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (before it, for negative n).

        ``n=0`` gives ``start`` itself when it is a working day, else the next working day.
        """
        self._load_span(start, n)
        day = start
        if n == 0:
            while not self.is_workday(day):
                day += ONE_DAY
            return day
        step = ONE_DAY if n > 0 else -ONE_DAY
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_workday(day):
                remaining -= 1
        return day

    def first_start_in_time(self, today: date, n: int) -> date:
        """The earliest start day whose n-th working day (``add_working_days``) is not before ``today``.

        Whatever started on an earlier day has let its n working days end before today: the
        monitoring rules compare start times with this day in one indexed query, so the calendar
        is walked once per sweep, not once per case.
        """
        day = self.add_working_days(today, -n) if n else today
        while self.add_working_days(day - ONE_DAY, n) >= today:
            day -= ONE_DAY
        while self.add_working_days(day, n) < today:
            day += ONE_DAY
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """The working days in (start, end]; negative, counting (end, start], when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        self._load(start, end)
        return sum(self.is_workday(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))

    def deadline(self, start: datetime, days: int, *, pauses: Iterable[Pause] = ()) -> datetime:
        """The end (23:59:59.999999, local time) of the ``days``-th working day after the day of ``start``.

        Days are those of ``settings.TIME_ZONE`` (Asia/Shanghai), whatever zone the datetimes come
        in; the result is aware, in that zone. The acceptance day itself does not count.

        Pauses (suspensions, returns: ``(paused_at, resumed_at)``) extend the deadline by the
        working days they cover, where a pause covers the working days in (day paused, day
        resumed]: the day the clock stops still counts as used, the day it restarts counts as
        paused. So a pause started and ended on one day costs nothing, and Friday to Monday costs
        one day (the Monday). A pause still open (``resumed_at`` None) covers up to today. A
        working day covered by several pauses counts once.
        """
        zone = timezone.get_default_timezone()
        start_day = timezone.localtime(start, zone).date()
        today = timezone.localdate(timezone=zone)
        paused: set[date] = set()
        for paused_at, resumed_at in pauses:
            first = timezone.localtime(paused_at, zone).date()
            last = timezone.localtime(resumed_at, zone).date() if resumed_at is not None else today
            self._load(first, last)
            paused.update(
                day for i in range(1, (last - first).days + 1) if self.is_workday(day := first + timedelta(days=i))
            )
        end_day = self.add_working_days(start_day, days + len(paused))
        return datetime.combine(end_day, time.max, tzinfo=zone)


def _day(moment: date | datetime) -> date:
    return timezone.localdate(moment) if isinstance(moment, datetime) else moment
