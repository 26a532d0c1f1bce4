"""Reads behind the scores, the public rankings and the case statistics (DESIGN.md §5).

Statistics are grouped queries, one per breakdown (department, item, state); every figure comes
from ``figures.case_figures``, the one definition the monthly scores use too.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.db.models import Case as Switch
from django.db.models import Count, ExpressionWrapper, F, FloatField, Max, QuerySet, Value, When

from portal.models import Department
from portal.roles import Role
from portal.selectors import handled_department_ids
from workflow.constants import CaseState
from workflow.models import Case

from ..models import DepartmentScore
from .figures import Figures, case_figures, concluded_between, period_bounds, received_between, working_days_used

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
class Statistics:
    total: Figures
    departments: list[Figures]
    items: list[Figures]
    item_count: int
    # The cases received in the period by the state they are in now.
    states: list[Figures]


def _scoped(scope: frozenset[int] | None) -> QuerySet[Case]:
    cases = Case.objects.order_by()
    return cases if scope is None else cases.filter(department_id__in=scope)


def case_statistics(
    *,
    scope: frozenset[int] | None,
    date_from: date | None = None,
    date_to: date | None = None,
    department: Department | None = None,
    item_limit: int | None = None,
) -> Statistics:
    """The figures of docs/statistics.md by department and by item, and the cases received by state."""
    if department is not None:
        if scope is not None and department.pk not in scope:
            scope = frozenset()
        else:
            scope = frozenset({department.pk})
    cases = _scoped(scope)
    start, end = period_bounds(date_from, date_to)

    by_department = case_figures(
        cases, start=start, end=end, by=("department_id", "department__code", "department__name")
    ).order_by("department__code")
    used = working_days_used(cases.filter(concluded_between(start, end)))
    departments = []
    total = Figures(name="全部")
    for row in by_department:
        figures = Figures.of(row, code=row["department__code"], name=row["department__name"])
        figures.days_used = used.get(row["department_id"], 0)
        total.add(figures)
        departments.append(figures)

    by_item = (
        case_figures(cases, start=start, end=end, by=("item__code",))
        .annotate(item_name=Max("item__name"), department_name=Max("department__name"))
        .order_by("-received", "item__code")
    )
    item_count = by_item.count() if item_limit is not None else None
    rows = by_item[:item_limit] if item_limit is not None else by_item.iterator(chunk_size=2000)
    items = [_item_figures(row) for row in rows]

    received = cases.filter(received_between(start, end))
    counted = dict(received.values("state").annotate(n=Count("pk")).values_list("state", "n"))
    states = [Figures(code=code, name=str(label), received=counted.get(code, 0)) for code, label in CaseState.choices]
    return Statistics(
        total=total,
        departments=departments,
        items=items,
        item_count=item_count if item_count is not None else len(items),
        states=states,
    )


def _item_figures(row: dict) -> Figures:
    figures = Figures.of(row, code=row["item__code"], name=row["item_name"])
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
    "收件数",
    "已办结",
    "按时办结",
    "按时办结率（%）",
    "平均用时（工作日）",
    "平均承诺时限（工作日）",
    "逾期办结",
    "不予受理",
    "撤回",
    "逾期未办结",
]


def statistics_rows(stats: Statistics) -> Iterator[list]:
    """The statistics as the export's rows (numbers as numbers, a missing figure as None)."""

    def line(kind: str, figures: Figures, department: str = "", timed: bool = True) -> list:
        return [
            kind,
            figures.code,
            figures.name,
            department,
            figures.received,
            figures.concluded,
            figures.on_time,
            figures.on_time_rate,
            figures.average_days_used if timed else None,
            figures.average_days_promised if timed else None,
            figures.late,
            figures.not_accepted,
            figures.withdrawn,
            figures.open_overdue,
        ]

    yield line("合计", stats.total)
    for figures in stats.departments:
        yield line("部门", figures)
    for figures in stats.items:
        yield line("事项", figures, figures.extra.get("department", ""), timed=False)
    for figures in stats.states:
        yield ["状态", figures.code, figures.name, "", figures.received, *[None] * 9]
