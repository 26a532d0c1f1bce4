"""Evaluators over penalty cases: P1 filing, P2 amount, P3 deadline (DESIGN.md §5).

Events (not registering, changing the cause, revoking, a fine out of range) are read from the
moments the services keep on the case row, within the event window; the 90-day limit from
registration is a range on ``registered_at`` over the undecided cases (index penalty_undecided).
"""

from datetime import timedelta
from decimal import Decimal

from django.db.models import BigIntegerField, F, Q, Value

from workflow.constants import PENALTY_DECISION_DAYS, PENALTY_UNDECIDED_STATES
from workflow.models import PenaltyCase

from ..constants import Level
from .cases import EVENT_WINDOW
from .common import any_of, findings, level_of

DAY_SECONDS = 24 * 60 * 60
# A penalty case links to no licensing case: the alert's case stays empty.
NO_CASE = Value(None, output_field=BigIntegerField())


def _penalty_findings(queryset, level):
    return findings(queryset, level, detail=F("number"), case=NO_CASE)


def _recent(field: str, at) -> Q:
    return Q(**{f"{field}__gt": at - EVENT_WINDOW, f"{field}__lte": at})


def penalty_filing(rule, at, calendar):
    """P1: a clue not registered or a cause changed is yellow; a revoked registration is red."""
    red = _recent("revoked_at", at) if rule.red_threshold else None
    yellow = None
    if rule.yellow_threshold:
        yellow = _recent("not_registered_at", at) | _recent("cause_changed_at", at)
    cases = PenaltyCase.objects.filter(any_of([q for q in (red, yellow) if q is not None]))
    return _penalty_findings(cases, level_of(red, yellow))


def penalty_amount(rule, at, calendar):
    """P2: a fine decided outside the range of the standard applied (with its justification) is red."""
    cases = PenaltyCase.objects.filter(_recent("decided_at", at), out_of_range=True)
    return _penalty_findings(cases, Value(Level.RED))


def penalty_deadline(rule, at, calendar):
    """P3: undecided from yellow × 90 days after registration (yellow), past red × 90 days (red)."""

    def registered_before(share, inclusive: bool) -> Q | None:
        if not share:
            return None
        # Decimal, not float, so that 80% of 90 days is exactly 72 days.
        cutoff = at - timedelta(seconds=int(PENALTY_DECISION_DAYS * DAY_SECONDS * Decimal(share)))
        return Q(registered_at__lte=cutoff) if inclusive else Q(registered_at__lt=cutoff)

    # "At 80%" includes the moment itself; "past 90 days" does not.
    red, yellow = registered_before(rule.red_threshold, False), registered_before(rule.yellow_threshold, True)
    cases = PenaltyCase.objects.filter(state__in=PENALTY_UNDECIDED_STATES, registered_at__isnull=False)
    return _penalty_findings(cases.filter(any_of([q for q in (red, yellow) if q is not None])), level_of(red, yellow))
