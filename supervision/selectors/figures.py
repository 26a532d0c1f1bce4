"""The case figures, defined once (docs/statistics.md): what the statistics page, the monthly scores
and the public ranking count, per department (or any other grouping) and period.

A period is ``[start, end)`` in aware datetimes; either end may be open. Each figure counts an
event inside the period, except ``open_overdue``, which is the state of things at the period's end
(or now, if the period has not ended):

- received: filed in the period;
- concluded: reached ``concluded`` in the period (approved or denied, then concluded);
- on_time / late: concluded by / after the stored deadline, which already carries extensions and
  paused time; ``late`` is ``concluded - on_time``, so the two always add up;
- not_accepted, withdrawn: closed in the period that way. Both are final but neither is a
  conclusion, so neither enters the on-time rate;
- open_overdue: accepted, not closed at the end of the period, past its deadline then. Its clock
  must run now: a case suspended or returned to the applicant today is left out, as rule T1 does.

One grouped query answers every figure for every group; nothing loops over cases in Python. The
working days used take two more, counted per department and local day (of acceptance, of
conclusion), so that Python walks the calendar once per day in the range, never once per case:
the working days from acceptance to conclusion summed over cases are Σ W(day concluded) −
Σ W(day accepted), where W(d) counts the working days up to d. Paused time is inside that span,
so a case suspended for a hearing may use more days than promised and still be on time.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from workflow.calendar import WorkingCalendar
from workflow.constants import OPEN_STATES, CaseState
from workflow.models import Case

FIGURES = ("received", "concluded", "on_time", "late", "not_accepted", "withdrawn", "open_overdue")
# An open case whose clock is stopped now has no deadline that can have passed.
CLOCK_STOPPED = (CaseState.SUSPENDED, CaseState.RETURNED)


def period_bounds(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """The days ``first`` to ``last`` (inclusive, local time) as ``[start, end)``; None stays open."""
    zone = timezone.get_default_timezone()
    start = datetime.combine(first, time.min, tzinfo=zone) if first else None
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone) if last else None
    return start, end


def _between(column: str, start: datetime | None, end: datetime | None) -> Q:
    bounds = Q(**{f"{column}__isnull": False})
    if start is not None:
        bounds &= Q(**{f"{column}__gte": start})
    if end is not None:
        bounds &= Q(**{f"{column}__lt": end})
    return bounds


def received_between(start: datetime | None, end: datetime | None) -> Q:
    return _between("submitted_at", start, end)


def concluded_between(start: datetime | None, end: datetime | None) -> Q:
    """Concluded in the period; ``concluded_at`` alone also marks refusals and withdrawals."""
    return Q(state=CaseState.CONCLUDED) & _between("concluded_at", start, end)


def overdue_at(moment: datetime) -> Q:
    """Accepted, still open at ``moment`` (closed later, or not yet), and past its deadline then."""
    still_open = Q(state__in=[state for state in OPEN_STATES if state not in CLOCK_STOPPED])
    return Q(accepted_at__lt=moment, deadline_at__lt=moment) & (still_open | Q(concluded_at__gte=moment))


def case_figures(
    cases: QuerySet[Case] | None = None,
    *,
    start: datetime | None,
    end: datetime | None,
    by: tuple[str, ...] = ("department_id",),
) -> QuerySet:
    """One row per value of ``by`` over ``cases`` (all by default) with every figure of ``FIGURES``
    and ``days_promised`` (the working days promised to the cases concluded, extensions included).

    A grouped queryset: the caller may filter ``cases`` first (scope, a department, an item) and
    annotate or order the rows further.
    """
    now = timezone.now()
    moment = min(end, now) if end is not None else now
    received, concluded = received_between(start, end), concluded_between(start, end)
    closed = _between("concluded_at", start, end)
    overdue = overdue_at(moment)
    base = Case.objects.order_by() if cases is None else cases.order_by()
    return (
        base.filter(received | closed | overdue)
        .values(*by)
        .annotate(
            received=Count("pk", filter=received),
            concluded=Count("pk", filter=concluded),
            on_time=Count("pk", filter=concluded & Q(concluded_at__lte=F("deadline_at"))),
            not_accepted=Count("pk", filter=closed & Q(state=CaseState.NOT_ACCEPTED)),
            withdrawn=Count("pk", filter=closed & Q(state=CaseState.WITHDRAWN)),
            open_overdue=Count("pk", filter=overdue),
            days_promised=Sum("time_limit_days", filter=concluded, default=0),
        )
        .annotate(late=F("concluded") - F("on_time"))
    )


def working_days_used(concluded: QuerySet[Case]) -> dict[int, int]:
    """Per department id, the working days from acceptance to conclusion summed over ``concluded``
    (cases filtered by ``concluded_between``); two grouped queries streamed, and the calendar
    walked once over the days they span."""
    zone = timezone.get_default_timezone()
    span = concluded.aggregate(
        accepted_first=Min("accepted_at"),
        accepted_last=Max("accepted_at"),
        concluded_first=Min("concluded_at"),
        concluded_last=Max("concluded_at"),
    )
    if span["accepted_first"] is None:
        return {}
    days = [timezone.localdate(moment, zone) for moment in span.values()]
    first, last = min(days), max(days)
    calendar = WorkingCalendar(first, last)
    worked, running = {}, 0
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        running += calendar.is_workday(day)
        worked[day] = running

    used: dict[int, int] = {}
    for moment, sign in (("concluded_at", 1), ("accepted_at", -1)):
        per_day = concluded.values("department_id", day=TruncDate(moment, tzinfo=zone)).annotate(n=Count("pk"))
        for row in per_day.iterator(chunk_size=2000):
            used[row["department_id"]] = used.get(row["department_id"], 0) + sign * row["n"] * worked[row["day"]]
    return used


@dataclass
class Figures:
    """One line of figures (a department, an item, a month, everything), as ``case_figures`` gives it."""

    code: str = ""
    name: str = ""
    received: int = 0
    concluded: int = 0
    on_time: int = 0
    late: int = 0
    not_accepted: int = 0
    withdrawn: int = 0
    open_overdue: int = 0
    days_used: int = 0
    days_promised: int = 0
    extra: dict = field(default_factory=dict)

    @classmethod
    def of(cls, row: dict, *, code: str = "", name: str = "") -> "Figures":
        return cls(code=code, name=name, days_promised=row["days_promised"], **{key: row[key] for key in FIGURES})

    @property
    def on_time_rate(self) -> Decimal | None:
        """Concluded on time over concluded, in per cent to one decimal; None when nothing was concluded."""
        return ratio(100 * self.on_time, self.concluded)

    @property
    def average_days_used(self) -> Decimal | None:
        return ratio(self.days_used, self.concluded)

    @property
    def average_days_promised(self) -> Decimal | None:
        return ratio(self.days_promised, self.concluded)

    def add(self, other: "Figures") -> None:
        for name in (*FIGURES, "days_used", "days_promised"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def ratio(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
