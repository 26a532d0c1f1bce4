"""Monthly department scores (绩效评估, DESIGN.md §5): each department's figures, score and rank.

Each figure is one grouped query over its table between the month's local-time bounds (Asia/
Shanghai, ``settings.TIME_ZONE``), so the cost grows with the departments, not with the cases;
the formula (``settings.SUPERVISION_SCORE_FORMULA``) and the ranking then run over one row per
department. Computing a month again replaces that month's rows and leaves the others alone.

When a figure counts:

- concluded, on time: as docs/statistics.md defines them, from ``selectors.figures.case_figures``
  over the month, the same selector as the statistics page (withdrawn and refused cases are not
  concluded, and do not lower the on-time rate);
- yellow cards: alerts raised yellow in the month (also those that later turned red);
- red cards: alerts that turned red in the month (raised red, or escalated from yellow then),
  so that a month's cards stay what they were when the month ended, whenever it is recomputed;
- upheld complaints: judged upheld in the month; bad ratings: 不满意 or 非常不满意 given in it.

A department appears in a month when any of these falls in it, or a case of it was filed, closed,
or open past its deadline at the month's end.
"""

import logging
import re
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from portal.zones import serves_internal
from workflow.exchange.packets import Kind
from workflow.exchange.services import packet_emit

from ..constants import BAD_GRADES, Level
from ..models import Alert, Complaint, DepartmentScore, Rating
from ..selectors.figures import case_figures

logger = logging.getLogger(__name__)

FIGURES = ("concluded", "on_time", "red_alerts", "yellow_alerts", "upheld_complaints", "bad_ratings")
CENT = Decimal("0.01")
MONTH_PATTERN = re.compile(r"(\d{4})-(\d{2})")
FIRST_YEAR = 2000


# Months ---------------------------------------------------------------------------------------


def month_parse(text: str) -> date:
    """``YYYY-MM`` as the first day of that month; ValueError with a clear message otherwise."""
    match = MONTH_PATTERN.fullmatch((text or "").strip())
    if match is None:
        raise ValueError(f"{text!r} is not a month: write it as YYYY-MM, for example 2026-09")
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r} is not a month: the month is 01 to 12")
    if year < FIRST_YEAR:
        raise ValueError(f"{text!r} is too early: months from {FIRST_YEAR} on are scored")
    return date(year, month, 1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month as [start, end) in local time (aware datetimes)."""
    zone = timezone.get_default_timezone()
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return datetime.combine(first, time.min, tzinfo=zone), datetime.combine(following, time.min, tzinfo=zone)


def current_month() -> date:
    return timezone.localdate().replace(day=1)


def previous_month() -> date:
    return (current_month() - timedelta(days=1)).replace(day=1)


# The formula ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Formula:
    """The weights of ``settings.SUPERVISION_SCORE_FORMULA``; a weight left out is the default."""

    on_time: Decimal = Decimal(100)
    red: Decimal = Decimal(5)
    yellow: Decimal = Decimal(1)
    complaint: Decimal = Decimal(5)
    rating: Decimal = Decimal(2)

    @classmethod
    def from_settings(cls) -> "Formula":
        weights = getattr(settings, "SUPERVISION_SCORE_FORMULA", {}) or {}
        names = {field.name for field in fields(cls)}
        unknown = set(weights) - names
        if unknown:
            raise ImproperlyConfigured(
                f"SUPERVISION_SCORE_FORMULA has unknown weights {sorted(unknown)}; known: {sorted(names)}"
            )
        try:
            values = {name: Decimal(str(value)) for name, value in weights.items()}
        except ArithmeticError:
            raise ImproperlyConfigured(f"SUPERVISION_SCORE_FORMULA weights must be numbers: {weights!r}") from None
        if any(not value.is_finite() or value < 0 for value in values.values()):
            raise ImproperlyConfigured(f"SUPERVISION_SCORE_FORMULA weights must be 0 or more: {weights!r}")
        return cls(**values)

    def score(self, figures: dict[str, int]) -> Decimal:
        concluded = figures["concluded"]
        rate = Decimal(figures["on_time"]) / concluded if concluded else Decimal(1)
        raw = (
            self.on_time * rate
            - self.red * figures["red_alerts"]
            - self.yellow * figures["yellow_alerts"]
            - self.complaint * figures["upheld_complaints"]
            - self.rating * figures["bad_ratings"]
        )
        return max(raw, Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP)


def ranks(scores: dict[int, Decimal]) -> dict[int, int]:
    """Competition ranking: 1 is the best score, equal scores share a rank, the next rank skips (1, 1, 3)."""
    ordered = sorted(scores.values(), reverse=True)
    first_place = {}
    for place, score in enumerate(ordered, start=1):
        first_place.setdefault(score, place)
    return {key: first_place[score] for key, score in scores.items()}


# The figures ----------------------------------------------------------------------------------


def _within(field: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def month_figures(month: date) -> dict[int, dict[str, int]]:
    """Per department id, the month's figures: four grouped queries, none over single cases in Python."""
    start, end = month_bounds(month)
    figures: dict[int, dict[str, int]] = {}

    def add(rows, **names):
        for row in rows:
            entry = figures.setdefault(row["department_id"], dict.fromkeys(FIGURES, 0))
            for figure, column in names.items():
                entry[figure] += row[column]

    add(case_figures(start=start, end=end), concluded="concluded", on_time="on_time")

    raised = _within("raised_at", start, end)
    escalated = _within("escalated_at", start, end)
    turned_red = Q(level=Level.RED) & (escalated | (Q(escalated_at__isnull=True) & raised))
    raised_yellow = raised & (Q(level=Level.YELLOW) | Q(escalated_at__isnull=False))
    alerts = (
        Alert.objects.order_by()
        .filter(department__isnull=False)
        .filter(raised | escalated)
        .values("department_id")
        .annotate(n_red=Count("pk", filter=turned_red), n_yellow=Count("pk", filter=raised_yellow))
    )
    add(alerts, red_alerts="n_red", yellow_alerts="n_yellow")

    complaints = (
        Complaint.objects.order_by()
        .filter(_within("judged_at", start, end), upheld=True)
        .values("department_id")
        .annotate(n=Count("pk"))
    )
    add(complaints, upheld_complaints="n")

    ratings = (
        Rating.objects.order_by()
        .filter(_within("rated_at", start, end), grade__in=BAD_GRADES)
        .values("department_id")
        .annotate(n=Count("pk"))
    )
    add(ratings, bad_ratings="n")
    return figures


# The use case ---------------------------------------------------------------------------------


@transaction.atomic
def department_scores_compute(*, month: date, formula: Formula | None = None) -> list[DepartmentScore]:
    """Compute and keep ``month``'s scores and ranks, replacing any earlier computation of it.

    Departments no longer found in the month lose their row for it; other months are untouched.
    Returns the month's rows, best first.
    """
    month = month.replace(day=1)
    formula = formula or Formula.from_settings()
    figures = month_figures(month)
    scores = {department_id: formula.score(row) for department_id, row in figures.items()}
    places = ranks(scores)
    now = timezone.now()

    DepartmentScore.objects.filter(month=month).exclude(department_id__in=list(figures)).delete()
    rows = [
        DepartmentScore(
            department_id=department_id,
            month=month,
            score=scores[department_id],
            rank=places[department_id],
            computed_at=now,
            **row,
        )
        for department_id, row in figures.items()
    ]
    # One upsert on (department, month): recomputing the month replaces its rows in place.
    DepartmentScore.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["department", "month"],
        update_fields=[*FIGURES, "score", "rank", "computed_at"],
    )
    logger.info("department_scores_computed month=%s departments=%d", f"{month:%Y-%m}", len(rows))
    ranking = list(
        DepartmentScore.objects.filter(month=month).select_related("department").order_by("rank", "department__code")
    )
    if serves_internal():
        _ranking_emit(month, ranking, now)
    return ranking


def _ranking_emit(month: date, ranking: list[DepartmentScore], computed_at: datetime) -> None:
    """The month's public ranking for the external zone (/public/rankings/): rank, score and the
    figures of the on-time rate only; the alerts, complaints and ratings behind a score stay inside."""
    packet_emit(
        kind=Kind.RANKING_PUBLISHED,
        stream=f"ranking:{month:%Y-%m}",
        payload={
            "month": month.isoformat(),
            "computed_at": computed_at.isoformat(),
            "scores": [
                {
                    "department": {key: getattr(row.department, key) for key in ("code", "name", "kind")},
                    "score": str(row.score),
                    "rank": row.rank,
                    "concluded": row.concluded,
                    "on_time": row.on_time,
                }
                for row in ranking
            ],
        },
    )
