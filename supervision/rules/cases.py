"""Evaluators over licensing cases: T1, T2, S1, R1, J1, G1, H1, F1 (DESIGN.md §5).

Thresholds in working days become cut-off moments computed once per sweep from the calendar,
so each rule is one query over indexed timestamps and counters kept on the case row.
"""

import math
from datetime import timedelta
from decimal import Decimal

from django.db.models import Exists, F, Max, OuterRef, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from powers.models import PowerItem, Step
from workflow.constants import (
    OPEN_STATES,
    RUNNING_STATES,
    STATUTORY_EXTENSION_DAYS,
    STEP_STATES,
    CaseState,
    PauseKind,
)
from workflow.models import Case, Pause, SupplementRequest

from ..constants import Level
from .common import any_of, findings, level_of, start_of, started_before

# Event rules (refusals, fees) look back this far: older events were alerted when they happened.
EVENT_WINDOW = timedelta(days=30)


def longest_time_limit() -> int:
    """The longest time limit a case can have: an item's promised days and its extension."""
    extension = Greatest("extension_days", Value(STATUTORY_EXTENSION_DAYS))
    return PowerItem.objects.aggregate(longest=Max(F("promised_days") + extension))["longest"] or 1


def case_deadline(rule, at, calendar):
    """T1: yellow when at most max(1, ⌈yellow × time limit⌉) working days are left; red when overdue."""
    running = Case.objects.filter(state__in=RUNNING_STATES, deadline_at__isnull=False)
    red = Q(deadline_at__lt=at) if rule.red_threshold is not None else None
    yellow = None
    if rule.yellow_threshold:
        # Decimal, not float: ⌈share × limit⌉ must be exact (7 / 0.14 is 49.99… in floating point).
        share = Decimal(rule.yellow_threshold)
        today = timezone.localdate(at)
        cutoffs = {}

        def cutoff(limit: int):
            left = max(1, math.ceil(share * limit))
            if left not in cutoffs:
                cutoffs[left] = start_of(calendar.add_working_days(today, left) + timedelta(days=1))
            return cutoffs[left]

        # One range of the index case_running_due (time limit, deadline) per time limit: a single
        # range up to the widest cut-off would read most running cases of a short time limit.
        longest = longest_time_limit()
        yellow = any_of(Q(time_limit_days=limit, deadline_at__lt=cutoff(limit)) for limit in range(longest + 1))
        yellow |= Q(time_limit_days__gt=longest, deadline_at__lt=cutoff(longest))
    late = running.filter(any_of([q for q in (red, yellow) if q is not None]))
    return findings(late, level_of(red, yellow))


def step_deadline(rule, at, calendar):
    """T2: yellow past yellow × the step's limit, red past red × it (working days from entering the step).

    Every step the department holds the case at counts, 送达 after the decision too: a decided case
    left undelivered is as late as one left unreviewed. Intake is S1's, and the applicant's turns
    and suspensions are nobody's step.
    """
    today = timezone.localdate(at)
    limits = Step.objects.order_by().values_list("days_limit", flat=True).distinct()
    running = Case.objects.filter(state__in=STEP_STATES, step__isnull=False, step_started_at__isnull=False)
    multiples = [m for m in (rule.yellow_threshold, rule.red_threshold) if m is not None]
    if multiples and min(multiples) >= 1:
        # Past at least its limit, the case is past the step's own deadline (kept on the row and
        # indexed by case_step_due): that range first, then the limits.
        running = running.filter(step_deadline_at__lt=start_of(today))

    def past(multiple):
        if multiple is None:
            return None
        return any_of(
            Q(step__days_limit=limit) & started_before("step_started_at", calendar, today, int(multiple * limit))
            for limit in limits
        )

    red, yellow = past(rule.red_threshold), past(rule.yellow_threshold)
    return findings(running.filter(any_of([q for q in (red, yellow) if q is not None])), level_of(red, yellow))


def intake_response(rule, at, calendar):
    """S1: submitted and unanswered for yellow (red) working days after the day it reached intake.

    The intake clock stops at a supplement request (一次性告知) and starts again when the applicant
    hands the materials in: a case back at intake waits from that answer, not from its filing.
    """
    today = timezone.localdate(at)

    def waited(days) -> Q | None:
        if not days:
            return None
        cutoff = start_of(calendar.first_start_in_time(today, int(days)))
        answered_since = SupplementRequest.objects.filter(case=OuterRef("pk"), answered_at__gte=cutoff)
        return Q(submitted_at__lt=cutoff) & ~Exists(answered_since)

    red, yellow = waited(rule.red_threshold), waited(rule.yellow_threshold)
    waiting = Case.objects.filter(state=CaseState.SUBMITTED).filter(yellow or red)
    return findings(waiting, level_of(red, yellow))


def returns(rule, at, calendar):
    """R1: an open case returned to the applicant or sent back yellow (red) times or more."""
    red = Q(return_count__gte=int(rule.red_threshold)) if rule.red_threshold else None
    yellow = Q(return_count__gte=int(rule.yellow_threshold)) if rule.yellow_threshold else None
    cases = Case.objects.filter(state__in=OPEN_STATES).filter(yellow or red)
    return findings(cases, level_of(red, yellow))


def refusals(rule, at, calendar):
    """J1: each refusal (不予受理, 不予许可) is yellow; one without a legal basis is red."""
    red = Q(refusal_basis="") if rule.red_threshold else None
    yellow = Q(pk__isnull=False) if rule.yellow_threshold else None
    refused = Case.objects.filter(refused_at__gt=at - EVENT_WINDOW, refused_at__lte=at)
    return findings(refused.filter(yellow or red), level_of(red, yellow), detail=F("refusal_reason"))


def supplements(rule, at, calendar):
    """G1: a case asked for materials more than once breaks the one-time notification (red)."""
    cases = Case.objects.filter(state__in=OPEN_STATES, supplement_count__gte=int(rule.red_threshold or 2))
    return findings(cases, Value(Level.RED))


def suspensions(rule, at, calendar):
    """H1: each suspension is yellow; one past red × its expected working days is red."""
    today = timezone.localdate(at)
    suspended = Case.objects.filter(state=CaseState.SUSPENDED)
    red = None
    if rule.red_threshold:
        open_pauses = Pause.objects.filter(kind=PauseKind.SUSPENSION, ended_at__isnull=True)
        overdue = any_of(
            Q(days=days, started_at__lt=start_of(calendar.first_start_in_time(today, int(days * rule.red_threshold))))
            for days in open_pauses.order_by().values_list("days", flat=True).distinct()
        )
        red = Q(pk__in=open_pauses.filter(overdue).values("case_id"))
    yellow = Q(pk__isnull=False) if rule.yellow_threshold else None
    return findings(suspended, level_of(red, yellow)).exclude(finding_level="")


def fees(rule, at, calendar):
    """F1: a fee charged for an item whose catalogue entry charges none (red)."""
    charged = Case.objects.filter(
        concluded_at__gt=at - EVENT_WINDOW, concluded_at__lte=at, fee_charged__gt=0, item__fee_standard=""
    )
    return findings(charged, Value(Level.RED), detail=F("item__name"))
