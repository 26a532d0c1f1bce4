"""Reads over what citizens say: complaints (投诉) and ratings (好差评).

Staff reach them through one scope: inspectors see every one, a department head those of the
departments they handle, nobody else any. A complaint or rating outside the scope is absent
(the views answer 404), never forbidden.
"""

from datetime import datetime

from django.db.models import BooleanField, F, IntegerField, QuerySet, Value, When
from django.db.models import Case as SqlCase
from django.utils import timezone

from portal.roles import Role
from portal.selectors import handled_department_ids
from workflow.models import Case
from workflow.selectors.citizen import applicant_cases

from ..constants import BAD_GRADES, ComplaintState
from ..models import Complaint, Rating


def is_supervision_staff(user) -> bool:
    """Inspectors and department heads: the readers of the complaint and rating lists."""
    return user.is_authenticated and user.is_active and user.has_role(Role.INSPECTOR, Role.DEPT_HEAD)


def _scoped(queryset: QuerySet, user) -> QuerySet:
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.has_role(Role.INSPECTOR):
        return queryset
    if user.has_role(Role.DEPT_HEAD):
        return queryset.filter(department_id__in=handled_department_ids(user))
    return queryset.none()


# Complaints ---------------------------------------------------------------------------------------


def complaints_visible_to(user) -> QuerySet[Complaint]:
    return _scoped(Complaint.objects.all(), user)


def complaint_list(user, *, state: str = "", overdue: bool = False, at: datetime | None = None) -> QuerySet[Complaint]:
    """The complaints this member of staff follows: unanswered ones first, most urgent first, then the
    rest newest first. ``overdue``: unanswered past their due time."""
    at = at or timezone.now()
    complaints = complaints_visible_to(user).select_related("department", "case")
    if state:
        complaints = complaints.filter(state=state)
    if overdue:
        complaints = complaints.filter(state=ComplaintState.FILED, due_at__lt=at)
    waiting_due = SqlCase(When(state=ComplaintState.FILED, then=F("due_at")), default=None)
    late = SqlCase(
        When(state=ComplaintState.FILED, due_at__lt=at, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    return complaints.annotate(waiting_due=waiting_due, overdue=late).order_by(
        F("waiting_due").asc(nulls_last=True), "-filed_at", "-id"
    )


def complaint_for_staff(user, number: str) -> Complaint | None:
    return (
        complaints_visible_to(user)
        .select_related("department", "case", "case__item", "recorded_by", "answered_by", "judged_by")
        .filter(number=number)
        .first()
    )


def complainant_complaints(user) -> QuerySet[Complaint]:
    """The complaints a citizen filed, newest first."""
    if not user.is_authenticated:
        return Complaint.objects.none()
    return Complaint.objects.filter(complainant=user).select_related("department", "case").order_by("-filed_at", "-id")


def complaint_cases(user) -> QuerySet[Case]:
    """The cases a citizen may complain about: their own."""
    return applicant_cases(user)


def is_overdue(complaint: Complaint, at: datetime | None = None) -> bool:
    return complaint.state == ComplaintState.FILED and complaint.due_at < (at or timezone.now())


# Ratings ------------------------------------------------------------------------------------------


def ratings_visible_to(user) -> QuerySet[Rating]:
    return _scoped(Rating.objects.all(), user)


def rating_list(user, *, bad_only: bool = False) -> QuerySet[Rating]:
    """Bad ratings still to be rectified first, then the other bad ones, then the rest; newest first."""
    ratings = ratings_visible_to(user).select_related("case", "case__item", "department")
    if bad_only:
        ratings = ratings.filter(grade__in=BAD_GRADES)
    priority = SqlCase(
        When(grade__in=BAD_GRADES, rectified_at__isnull=True, then=Value(0)),
        When(grade__in=BAD_GRADES, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    bad = SqlCase(When(grade__in=BAD_GRADES, then=Value(True)), default=Value(False), output_field=BooleanField())
    return ratings.annotate(priority=priority, bad=bad).order_by("priority", "-rated_at", "-id")


def rating_for_staff(user, rating_id: int) -> Rating | None:
    return (
        ratings_visible_to(user)
        .select_related("case", "case__item", "department", "rater")
        .filter(pk=rating_id)
        .first()
    )


def case_ratings(case: Case) -> list[Rating]:
    """A case's ratings, the first before the follow-up."""
    return list(Rating.objects.filter(case=case).order_by("is_follow_up", "rated_at"))
