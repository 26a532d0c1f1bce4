"""Reads behind the citizen's pages: their cases, a case's timeline, the public tracking lookup.

The timeline is built for two readers. The applicant (``private``) sees the opinions written on
each step, the reasons for pauses and the decision; the public tracking page, reached with a case
number and its query code, sees only what happened when, at which step and in which post. Neither
ever sees the name of the member of staff who acted: the trail names a post, not a person.
"""

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.roles import Role

from ..calendar import WorkingCalendar, provisional_note
from ..constants import RUNNING_STATES, CaseState
from ..models import Case, CaseDocument, Notification, PenaltyCase, SupplementRequest
from .deadlines import deadline_provisional_years

# What each trail action means to the applicant.
ACTION_LABELS = {
    "submit": _("Application submitted"),
    "request_supplement": _("Materials to supplement requested"),
    "accept": _("Application accepted"),
    "not_accept": _("Application not accepted"),
    "resubmit": _("Materials handed in again"),
    "withdraw": _("Application withdrawn"),
    "advance": _("Step completed"),
    "send_back": _("Sent back to the previous step"),
    "return_to_applicant": _("Returned to the applicant"),
    "suspend": _("Suspended for a special procedure"),
    "resume": _("Handling resumed"),
    "extend": _("Time limit extended"),
    "approve": _("Approved"),
    "deny": _("Denied"),
    "conclude": _("Case concluded"),
    "recompute_deadline": _("Time limit recomputed (holiday schedule changed)"),
}
ROLE_LABELS = {**dict(Role.choices), Role.CITIZEN: _("Applicant")}
STATE_LABELS = dict(CaseState.choices)
PAUSED_STATES = (CaseState.SUPPLEMENT, CaseState.RETURNED, CaseState.SUSPENDED)

LATEST_NOTIFICATIONS = 10


class Clock:
    """Where the promised-time clock stands (DESIGN.md §4's "clock" column)."""

    INTAKE = "intake"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


@dataclass(frozen=True)
class Event:
    """One entry of the trail as the applicant or the public reads it."""

    at: datetime
    action: str
    label: str
    role: str
    step_name: str
    state: str
    state_label: str
    opinion: str  # empty on the public page


@dataclass(frozen=True)
class StepView:
    """One step of the item's flowchart and how far the case has come with it."""

    name: str
    role: str
    days_limit: int
    status: str  # done, current, upcoming, ended (the case ended here) or not_reached


@dataclass(frozen=True)
class PauseView:
    kind: str
    kind_label: str
    started_at: datetime
    ended_at: datetime | None
    days: int
    reason: str  # empty on the public page


@dataclass(frozen=True)
class Timeline:
    number: str
    item_name: str
    department_name: str
    state: str
    state_label: str
    is_open: bool
    submitted_at: datetime
    accepted_at: datetime | None
    concluded_at: datetime | None
    events: list[Event]
    steps: list[StepView]
    pauses: list[PauseView]
    clock: str
    deadline_at: datetime | None
    step_deadline_at: datetime | None
    working_days_left: int | None
    promised_days: int
    # The deadline's note when it is counted over a year whose holidays are not entered in full.
    provisional_note: str = ""

    @property
    def current_step(self) -> StepView | None:
        return next((step for step in self.steps if step.status == "current"), None)

    @property
    def steps_ahead(self) -> list[StepView]:
        return [step for step in self.steps if step.status == "upcoming"]

    @property
    def is_overdue(self) -> bool:
        return self.working_days_left is not None and self.working_days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.working_days_left if self.is_overdue else 0


# The applicant's cases --------------------------------------------------------------------------


def applicant_cases(user) -> QuerySet[Case]:
    """The cases this user filed (and may see), newest first."""
    return (
        Case.objects.visible_to(user)
        .filter(applicant=user)
        .select_related("item", "department", "step")
        .order_by("-submitted_at", "-id")
    )


def applicant_cases_with_unread(user) -> QuerySet[Case]:
    """As ``applicant_cases``, each with ``unread``: the notifications on it this user has not read."""
    unread = Count("notifications", filter=Q(notifications__recipient=user, notifications__read_at__isnull=True))
    return applicant_cases(user).annotate(unread=unread)


def latest_notifications(user, limit: int = LATEST_NOTIFICATIONS) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).select_related("case")[:limit])


def unread_notification_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def case_notifications(user, case: Case) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, case=case))


def open_supplement_request(case: Case) -> SupplementRequest | None:
    """The unanswered 一次性告知 of a case waiting for its supplement, with the materials it lists."""
    if case.state != CaseState.SUPPLEMENT:
        return None
    return case.supplement_requests.filter(answered_at__isnull=True).prefetch_related("materials").last()


# Tracking without an account ----------------------------------------------------------------------

# Compared against when the number is unknown, so a miss costs the same as a wrong code.
_NO_CODE = "-" * 8


def tracked_case(number: str, code: str) -> Case | None:
    """The case with this number, if ``code`` is its query code; None for any mismatch, alike."""
    case = Case.objects.select_related("item", "department", "step").filter(number=number.strip()).first()
    expected = case.query_code if case is not None else _NO_CODE
    matches = secrets.compare_digest(expected.encode(), code.strip().upper().encode())
    return case if case is not None and matches else None


@dataclass(frozen=True)
class IssuedDocument:
    """What /track/verify/ may say of a document it recognises: nothing about the person."""

    number: str
    kind: str
    issued_at: datetime


def mask_number(number: str) -> str:
    """SP-20261205-000123 → SP-20261205-****23: the day it was filed, not which case."""
    prefix, _dash, serial = number.rpartition("-")
    return f"{prefix}-{'*' * max(0, len(serial) - 2)}{serial[-2:]}" if prefix else "*" * len(number)


def issued_document(sha256: str) -> IssuedDocument | None:
    """The document the portal issued with this digest (a case's notice, or a penalty decision where
    penalty cases are kept), or None."""
    document = CaseDocument.objects.select_related("case").filter(sha256=sha256).first()
    if document is not None:
        return IssuedDocument(mask_number(document.case.number), document.get_kind_display(), document.created_at)
    penalty = PenaltyCase.objects.filter(decision_sha256=sha256).only("number", "decided_at").first()
    if penalty is not None:
        return IssuedDocument(mask_number(penalty.number), _("Administrative penalty decision"), penalty.decided_at)
    return None


# The timeline ---------------------------------------------------------------------------------------


def case_timeline(case: Case, *, private: bool, today: date | None = None) -> Timeline:
    """What happened to the case, where it is now, what comes next and by when (four queries)."""
    events = [
        Event(
            at=entry.at,
            action=entry.action,
            label=str(ACTION_LABELS.get(entry.action, entry.action)),
            role=str(ROLE_LABELS.get(entry.role, entry.role)),
            step_name=entry.step_name,
            state=entry.to_state,
            state_label=str(STATE_LABELS.get(entry.to_state, entry.to_state)),
            opinion=entry.opinion if private else "",
        )
        for entry in case.trail.order_by("seq").only(
            "at", "action", "role", "step_name", "to_state", "opinion", "case_id", "seq"
        )
    ]
    pauses = [
        PauseView(
            kind=pause.kind,
            kind_label=pause.get_kind_display(),
            started_at=pause.started_at,
            ended_at=pause.ended_at,
            days=pause.days,
            reason=pause.reason if private else "",
        )
        for pause in case.pauses.order_by("started_at", "id")
    ]
    clock = _clock(case)
    deadline_at = case.deadline_at
    days_left = None
    calendar = WorkingCalendar()
    if clock == Clock.RUNNING and deadline_at is not None:
        today = today or timezone.localdate()
        days_left = calendar.working_days_between(today, timezone.localdate(deadline_at))
    provisional = deadline_provisional_years(case, deadline_at, calendar) if case.is_open else ()
    return Timeline(
        number=case.number,
        item_name=case.item.name,
        department_name=case.department.name,
        state=case.state,
        state_label=case.get_state_display(),
        is_open=case.is_open,
        submitted_at=case.submitted_at,
        accepted_at=case.accepted_at,
        concluded_at=case.concluded_at,
        events=events,
        steps=_steps(case, events),
        pauses=pauses,
        clock=clock,
        deadline_at=deadline_at,
        step_deadline_at=case.step_deadline_at if case.is_open else None,
        working_days_left=days_left,
        promised_days=case.item.promised_days,
        provisional_note=provisional_note(provisional),
    )


def _clock(case: Case) -> str:
    if case.state == CaseState.SUBMITTED:
        return Clock.INTAKE
    if case.state in RUNNING_STATES:
        return Clock.RUNNING
    if case.state in PAUSED_STATES:
        return Clock.PAUSED
    return Clock.STOPPED


def _steps(case: Case, events: list[Event]) -> list[StepView]:
    steps = list(case.item.steps.order_by("position"))
    if case.state == CaseState.CONCLUDED:
        return [_step_view(step, "done") for step in steps]
    if case.step_id is not None:
        reached = case.step.position
    else:
        # Ended without a step (not accepted): where the last entry of the trail left it.
        last_name = events[-1].step_name if events else ""
        reached = next((step.position for step in steps if step.name == last_name), None)
    if reached is None:
        return [_step_view(step, "upcoming" if case.is_open else "not_reached") for step in steps]
    here, ahead = ("current", "upcoming") if case.is_open else ("ended", "not_reached")
    return [
        _step_view(step, "done" if step.position < reached else here if step.position == reached else ahead)
        for step in steps
    ]


def _step_view(step, status: str) -> StepView:
    return StepView(
        name=step.name, role=str(ROLE_LABELS.get(step.role, step.role)), days_limit=step.days_limit, status=status
    )
