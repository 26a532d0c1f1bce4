"""Evaluators over what citizens say: complaints (C1) and ratings (E1)."""

from datetime import timedelta

from django.db.models import F, Q, Value
from django.utils import timezone

from ..constants import BAD_GRADES, ComplaintState
from ..models import Complaint, Rating
from .common import level_of, started_before

# E1: a bad rating must be rectified within this many days.
RECTIFICATION_DAYS = 15


def complaints(rule, at, calendar):
    """C1: each unanswered complaint is yellow; one past its due time is red. Answered ones clear."""
    red = Q(due_at__lt=at) if rule.red_threshold is not None else None
    waiting = Complaint.objects.filter(state=ComplaintState.FILED, filed_at__lte=at)
    return waiting.values(
        finding_subject=F("pk"),
        finding_level=level_of(red, Q(pk__isnull=False)),
        finding_department=F("department_id"),
        finding_case=F("case_id"),
        finding_detail=F("number"),
    )


def ratings(rule, at, calendar):
    """E1: a bad rating is yellow until rectified; red without a return visit in red working days or
    without a rectification in 15 days."""
    today = timezone.localdate(at)
    red = None
    if rule.red_threshold:
        no_visit = Q(return_visit_at__isnull=True) & started_before(
            "rated_at", calendar, today, int(rule.red_threshold)
        )
        red = no_visit | Q(rated_at__lt=at - timedelta(days=RECTIFICATION_DAYS))
    bad = Rating.objects.filter(grade__in=BAD_GRADES, rectified_at__isnull=True, rated_at__lte=at)
    return bad.values(
        finding_subject=F("pk"),
        finding_level=level_of(red, Q(pk__isnull=False)),
        finding_department=F("department_id"),
        finding_case=F("case_id"),
        finding_detail=Value(""),
    )
