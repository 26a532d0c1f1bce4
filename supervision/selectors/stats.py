"""Reads behind the scores, the public rankings and the case statistics (DESIGN.md §5).

Statistics are grouped queries: one per breakdown (department, item, state), and two for the
working days used, which the database counts per department and local day (of acceptance, of
conclusion) so that Python walks the calendar once per day in the range, never once per case:
the working days from acceptance to conclusion summed over cases are Σ W(day concluded) −
Σ W(day accepted), where W(d) counts the working days up to d.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case as Switch
from django.db.models import Count, ExpressionWrapper, F, FloatField, Max, Min, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from portal.models import Department
from portal.roles import Role
from portal.selectors import handled_department_ids
from workflow.calendar import WorkingCalendar
from workflow.constants import CaseState
from workflow.models import Case

from ..models import DepartmentScore

# Who sees what --------------------------------------------------------------------------------


def _is_inspector(user) -> bool:
    return user.is_superuser or user.has_role(Role.INSPECTOR)


def may_see_scores(user) -> bool:
    """Inspectors and department heads read the scores with every figure (the ranking is public anyway)."""
    return user.is_authenticated and user.is_active and (_is_inspector(user) or user.has_role(Role.DEPT_HEAD))


def stats_scope(user) -> frozenset[int] | None:
    """The departments whose statistics ``user`` may read: None for all (inspectors), the handled
    departments for a department head, none for anyone else."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if _is_inspector(user):
        return None
    if user.has_role(Role.DEPT_HEAD):
        return handled_department_ids(user)
    return frozenset()


def stats_departments(scope: frozenset[int] | None) -> QuerySet[Department]:
    departments = Department.objects.order_by("code")
    return departments if scope is None else departments.filter(pk__in=scope)


# Scores ---------------------------------------------------------------------------------------


def scored_months() -> list[date]:
    """The months that have been scored, latest first."""
    return list(DepartmentScore.objects.dates("month", "month", order="DESC"))


def _with_on_time_rate(scores: QuerySet[DepartmentScore]) -> QuerySet[DepartmentScore]:
    rate = ExpressionWrapper(Value(100.0) * F("on_time") / F("concluded"), output_field=FloatField())
    return scores.annotate(
        on_time_rate=Switch(When(concluded=0, then=Value(None)), default=rate, output_field=FloatField())
    )


def month_ranking(month: date) -> QuerySet[DepartmentScore]:
    """The month's scores, best first (equal ranks by department code), with ``on_time_rate`` in %."""
    scores = DepartmentScore.objects.filter(month=month).select_related("department")
    return _with_on_time_rate(scores).order_by("rank", "department__code")


PUBLIC_FIGURES = ("rank", "department__code", "department__name", "score", "on_time_rate")


def public_ranking(month: date) -> list[dict]:
    """The month's ranking as published: rank, department, score and on-time rate, nothing else."""
    return list(month_ranking(month).values(*PUBLIC_FIGURES))


def department_history(department: Department) -> QuerySet[DepartmentScore]:
    """One department's scores over the months, latest first."""
    return _with_on_time_rate(DepartmentScore.objects.filter(department=department)).order_by("-month")


def scored_departments() -> QuerySet[Department]:
    return Department.objects.filter(pk__in=DepartmentScore.objects.values("department_id")).order_by("code")


# Case statistics ------------------------------------------------------------------------------


@dataclass
class Figures:
    """One line of the statistics: a department, an item, a state, or everything."""

    code: str
    name: str
    cases: int = 0
    concluded: int = 0
    on_time: int = 0
    # Concluded after an acceptance: the cases the working days are averaged over.
    timed: int = 0
    days_used: int = 0
    days_promised: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def on_time_rate(self) -> Decimal | None:
        """In per cent, to one decimal."""
        return _ratio(100 * self.on_time, self.concluded)

    @property
    def average_days_used(self) -> Decimal | None:
        return _ratio(self.days_used, self.timed)

    @property
    def average_days_promised(self) -> Decimal | None:
        return _ratio(self.days_promised, self.timed)

    def add(self, other: "Figures") -> None:
        for name in ("cases", "concluded", "on_time", "timed", "days_used", "days_promised"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _ratio(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Statistics:
    total: Figures
    departments: list[Figures]
    items: list[Figures]
    item_count: int
    states: list[Figures]


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def filtered_cases(*, scope: frozenset[int] | None, date_from: date | None = None, date_to: date | None = None):
    """The cases counted: in ``scope``, accepted between the two days (inclusive, local time); a
    case never accepted (waiting, refused at intake, withdrawn) counts by the day it was filed."""
    cases = Case.objects.order_by()
    if scope is not None:
        cases = cases.filter(department_id__in=scope)
    if date_from is None and date_to is None:
        return cases
    accepted, submitted = Q(accepted_at__isnull=False), Q(accepted_at__isnull=True)
    if date_from is not None:
        accepted &= Q(accepted_at__gte=_start_of(date_from))
        submitted &= Q(submitted_at__gte=_start_of(date_from))
    if date_to is not None:
        accepted &= Q(accepted_at__lt=_start_of(date_to + timedelta(days=1)))
        submitted &= Q(submitted_at__lt=_start_of(date_to + timedelta(days=1)))
    return cases.filter(accepted | submitted)


CONCLUDED = Q(concluded_at__isnull=False)
ON_TIME = CONCLUDED & Q(concluded_at__lte=F("deadline_at"))
TIMED = CONCLUDED & Q(accepted_at__isnull=False)


def _counts():
    return {
        "n_cases": Count("pk"),
        "n_concluded": Count("pk", filter=CONCLUDED),
        "n_on_time": Count("pk", filter=ON_TIME),
    }


def _figures(row: dict, code: str, name: str) -> Figures:
    return Figures(
        code=code,
        name=name,
        cases=row["n_cases"],
        concluded=row["n_concluded"],
        on_time=row["n_on_time"],
        timed=row.get("n_timed", 0),
        days_promised=row.get("n_promised") or 0,
    )


def working_days_used(cases) -> dict[int, int]:
    """Per department id, the working days from acceptance to conclusion summed over its concluded
    ``cases``; two grouped queries streamed, and the calendar walked once over the days they span."""
    timed = cases.filter(TIMED)
    zone = timezone.get_default_timezone()
    span = timed.aggregate(
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
        per_day = timed.values("department_id", day=TruncDate(moment, tzinfo=zone)).annotate(n=Count("pk"))
        for row in per_day.iterator(chunk_size=2000):
            used[row["department_id"]] = used.get(row["department_id"], 0) + sign * row["n"] * worked[row["day"]]
    return used


def case_statistics(
    *,
    scope: frozenset[int] | None,
    date_from: date | None = None,
    date_to: date | None = None,
    department: Department | None = None,
    item_limit: int | None = None,
) -> Statistics:
    """Cases by department, item and state, with on-time rates and working days used against promised."""
    if department is not None:
        if scope is not None and department.pk not in scope:
            scope = frozenset()
        else:
            scope = frozenset({department.pk})
    cases = filtered_cases(scope=scope, date_from=date_from, date_to=date_to)

    by_department = (
        cases.values("department_id", "department__code", "department__name")
        .annotate(
            **_counts(),
            n_timed=Count("pk", filter=TIMED),
            n_promised=Sum("time_limit_days", filter=TIMED),
        )
        .order_by("department__code")
    )
    used = working_days_used(cases)
    departments = []
    total = Figures(code="", name="全部")
    for row in by_department:
        figures = _figures(row, row["department__code"], row["department__name"])
        figures.days_used = used.get(row["department_id"], 0)
        total.add(figures)
        departments.append(figures)

    by_item = (
        cases.values("item__code")
        .annotate(**_counts(), item_name=Max("item__name"), department_name=Max("department__name"))
        .order_by("-n_cases", "item__code")
    )
    item_count = by_item.count() if item_limit is not None else None
    rows = by_item[:item_limit] if item_limit is not None else by_item.iterator(chunk_size=2000)
    items = [_item_figures(row) for row in rows]

    counted = dict(cases.values("state").annotate(n=Count("pk")).values_list("state", "n"))
    states = [Figures(code=value, name=str(label), cases=counted.get(value, 0)) for value, label in CaseState.choices]
    return Statistics(
        total=total,
        departments=departments,
        items=items,
        item_count=item_count if item_count is not None else len(items),
        states=states,
    )


def _item_figures(row: dict) -> Figures:
    figures = _figures(row, row["item__code"], row["item_name"])
    figures.extra["department"] = row["department_name"]
    return figures


# The table an export writes -------------------------------------------------------------------

# The export's headers are part of a file people keep and compare from month to month: fixed
# Chinese words, like the catalogue's format, not labels that follow the translation.
EXPORT_HEADER = [
    "分类",
    "编码",
    "名称",
    "所属部门",
    "办件数",
    "已办结",
    "按时办结",
    "按时办结率（%）",
    "平均用时（工作日）",
    "平均承诺时限（工作日）",
]


def statistics_rows(stats: Statistics) -> Iterator[list]:
    """The statistics as the export's rows (numbers as numbers, a missing figure as None)."""

    def line(kind: str, figures: Figures, department: str = "", timed: bool = True) -> list:
        return [
            kind,
            figures.code,
            figures.name,
            department,
            figures.cases,
            figures.concluded,
            figures.on_time,
            figures.on_time_rate,
            figures.average_days_used if timed else None,
            figures.average_days_promised if timed else None,
        ]

    yield line("合计", stats.total)
    for figures in stats.departments:
        yield line("部门", figures)
    for figures in stats.items:
        yield line("事项", figures, figures.extra.get("department", ""), timed=False)
    for figures in stats.states:
        yield ["状态", figures.code, figures.name, "", figures.cases, None, None, None, None, None]
