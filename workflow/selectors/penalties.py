"""Reads about penalty cases: the officers' list and page, the discretion proposal, the public list
with personal data masked, and where decided fines fall against the standards' ranges."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case as Choose
from django.db.models import CharField, Count, F, Max, Min, OuterRef, Subquery, Value, When
from django.utils.translation import gettext_lazy as _

from portal.roles import Role
from powers.constants import Category, Level, Status
from powers.models import DiscretionStandard, PowerItem

from ..models import PenaltyCase, PublishedPenalty


def is_penalty_staff(user) -> bool:
    return user.is_authenticated and user.has_role(
        Role.LAW_ENFORCER, Role.LEGAL_REVIEWER, Role.DEPT_HEAD, Role.INSPECTOR
    )


def penalty_cases(user, *, state: str = ""):
    cases = PenaltyCase.objects.visible_to(user).select_related("item", "department")
    return cases.filter(state=state) if state else cases


def penalty_case(user, number: str) -> PenaltyCase | None:
    """The case, if this user may see it: None answers 404 for another department's case."""
    return (
        PenaltyCase.objects.visible_to(user)
        .select_related("item", "department", "standard")
        .filter(number=number)
        .first()
    )


def penalty_items(department_ids):
    """The published penalty items of these departments: what a clue is recorded against, or a cause changed to."""
    return PowerItem.objects.filter(
        category=Category.PENALTY, status=Status.PUBLISHED, department_id__in=department_ids
    ).order_by("code")


def penalty_standards(item: PowerItem) -> list[DiscretionStandard]:
    """The item's standard, from the lightest level to the most severe."""
    return list(item.standards.order_by("amount_min"))


@dataclass(frozen=True)
class Proposal:
    """What the system proposes for the circumstances picked: a level, its range and the standard's text."""

    level: str
    level_label: str
    circumstances: str
    amount_min: Decimal
    amount_max: Decimal
    other_sanctions: str


def penalty_proposal(item: PowerItem, level: str) -> Proposal | None:
    standard = item.standards.filter(level=level).first()
    if standard is None:
        return None
    return Proposal(
        level=standard.level,
        level_label=standard.get_level_display(),
        circumstances=standard.circumstances,
        amount_min=standard.amount_min,
        amount_max=standard.amount_max,
        other_sanctions=standard.other_sanctions,
    )


# The public list (external zone) -------------------------------------------------------------


def public_penalties():
    """The published decisions (masked when published), most recent first."""
    return PublishedPenalty.objects.order_by("-decided_at", "-id")


# Statistics: is discretion still "free"? ------------------------------------------------------

BELOW, ABOVE, BETWEEN = "below", "above", "between"
# The columns of the distribution, in order: below every range, each level's range, between two
# ranges (a gap in the standard), above every range.
BUCKETS = (BELOW, *Level.values, BETWEEN, ABOVE)
BUCKET_LABELS = [
    _("Below every range"),
    *(_("Within “%(level)s”") % {"level": level.label} for level in Level),
    _("Between two ranges"),
    _("Above every range"),
]


def amount_distribution(user) -> list[dict]:
    """Per department and item, how many decided fines fall below, within each level's range, or above.

    One grouped query: each case's bucket comes from correlated subqueries on the item's standard.
    """
    standards = DiscretionStandard.objects.filter(item=OuterRef("item")).order_by()
    within = standards.filter(amount_min__lte=OuterRef("amount"), amount_max__gte=OuterRef("amount"))
    bounds = standards.values("item")
    cases = (
        PenaltyCase.objects.visible_to(user)
        .decided()
        .filter(amount__isnull=False)
        .annotate(
            within=Subquery(within.order_by("amount_min").values("level")[:1]),
            lowest=Subquery(bounds.annotate(v=Min("amount_min")).values("v")),
            highest=Subquery(bounds.annotate(v=Max("amount_max")).values("v")),
        )
        .annotate(
            bucket=Choose(
                When(within__isnull=False, then=F("within")),
                When(amount__lt=F("lowest"), then=Value(BELOW)),
                When(amount__gt=F("highest"), then=Value(ABOVE)),
                default=Value(BETWEEN),
                output_field=CharField(),
            )
        )
        .order_by()
        .values("department__name", "item__code", "item__name", "bucket")
        .annotate(count=Count("id"))
    )
    table: dict[tuple, dict] = {}
    for row in cases:
        key = (row["department__name"], row["item__code"])
        entry = table.setdefault(
            key,
            {
                "department": row["department__name"],
                "item_code": row["item__code"],
                "item_name": row["item__name"],
                "counts": dict.fromkeys(BUCKETS, 0),
                "total": 0,
            },
        )
        entry["counts"][row["bucket"]] += row["count"]
        entry["total"] += row["count"]
    return [
        {**entry, "cells": [entry["counts"][bucket] for bucket in BUCKETS], "outside": _outside(entry["counts"])}
        for _key, entry in sorted(table.items())
    ]


def _outside(counts: dict) -> int:
    return counts[BELOW] + counts[BETWEEN] + counts[ABOVE]
