"""The licensing-type case's state machine (DESIGN.md §4).

    submitted --accept--> accepted --advance--> reviewing --approve/deny--> approved|denied --conclude--> concluded
      |   ^  \\                |  \\____________/  |  ^  \\
      |   |   not_accept       |   return_to_applicant  |   suspend/resume (suspended)
      v   |                    v                   send_back
    supplement --resubmit      returned --resubmit--> reviewing
    withdraw: from any open state before a decision, by the applicant.
    extend: once, by the department head, while the clock runs or is paused (state unchanged).

Who may fire what is each transition's ``permission``; only ``workflow.services`` fires them,
with the row locked, and writes the trail entry. The approver of a case is never one of its
reviewers; an immediate item (即办件) is decided on the spot by the window clerk.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from portal.fsm import ThreadSafeRefreshMixin
from portal.roles import Role
from portal.selectors import handles_department

from .constants import CaseState as S

BEFORE_DECISION = [S.SUBMITTED, S.SUPPLEMENT, S.ACCEPTED, S.REVIEWING, S.RETURNED, S.SUSPENDED]
IN_PROGRESS = [S.ACCEPTED, S.REVIEWING]
DECIDING_ROLES = (Role.APPROVER, Role.DEPT_HEAD)


def _staff(*roles):
    def check(case, user) -> bool:
        # Nobody handles their own application, whatever their post.
        return case.applicant_id != user.pk and user.has_role(*roles) and handles_department(user, case.department_id)

    return check


is_window_clerk = _staff(Role.WINDOW_CLERK)
is_department_head = _staff(Role.DEPT_HEAD)


def is_applicant(case, user) -> bool:
    return user.is_authenticated and case.applicant_id == user.pk


def handler_role(case) -> str:
    """The role that handles the current step: the flowchart says, a reviewer when it is silent."""
    return case.step.role if case.step_id else Role.REVIEWER


def is_step_handler(case, user) -> bool:
    return _staff(handler_role(case))(case, user)


def may_decide(case, user) -> bool:
    if case.item.is_immediate:
        return is_window_clerk(case, user)
    return _staff(Role.APPROVER)(case, user) and not case.trail.filter(actor=user, action="advance").exists()


def next_step(case):
    if case.step_id is None:
        return None
    return case.item.steps.filter(position__gt=case.step.position).order_by("position").first()


def previous_step(case):
    """The step a case sent back goes to; never back before the first step after intake."""
    if case.step_id is None:
        return None
    first = case.item.steps.order_by("position").first()
    return (
        case.item.steps.filter(position__lt=case.step.position, position__gt=first.position)
        .order_by("-position")
        .first()
    )


def has_next_step(case) -> bool:
    return not decision_due(case) and next_step(case) is not None


def has_previous_step(case) -> bool:
    return previous_step(case) is not None


def decision_due(case) -> bool:
    """At the decision: an immediate item at once, otherwise when the step is a deciding one or the last."""
    if case.item.is_immediate:
        return True
    return case.step_id is None or case.step.role in DECIDING_ROLES or next_step(case) is None


# The role an action is taken in, as the trail records it; step handlers act in their step's role.
ACTION_ROLES = {
    "resubmit": Role.CITIZEN,
    "withdraw": Role.CITIZEN,
    "request_supplement": Role.WINDOW_CLERK,
    "accept": Role.WINDOW_CLERK,
    "not_accept": Role.WINDOW_CLERK,
    "conclude": Role.WINDOW_CLERK,
    "extend": Role.DEPT_HEAD,
}


def acting_role(case, action: str) -> str:
    if action in ("approve", "deny"):
        return Role.WINDOW_CLERK if case.item.is_immediate else Role.APPROVER
    return ACTION_ROLES.get(action) or handler_role(case)


def may_extend(case) -> bool:
    return not case.pauses.filter(kind="extension").exists()


class CaseFlow(ThreadSafeRefreshMixin, ConcurrentTransitionMixin, models.Model):
    state = FSMField(_("state"), default=S.SUBMITTED, choices=S.choices, protected=True, db_index=True)

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        # Cleaning assigns every field back to the instance, which the protected state refuses.
        super().clean_fields(exclude={*(exclude or ()), "state"})

    # Intake (window clerk) ---------------------------------------------------------------

    @transition(field=state, source=S.SUBMITTED, target=S.SUPPLEMENT, permission=is_window_clerk)
    def request_supplement(self):
        """一次性告知: every missing material listed at once; the intake clock stops; applicant told."""

    @transition(field=state, source=S.SUBMITTED, target=S.ACCEPTED, permission=is_window_clerk)
    def accept(self):
        """The clock starts; a notice of acceptance (PDF) is issued; applicant told."""

    @transition(field=state, source=[S.SUBMITTED, S.SUPPLEMENT], target=S.NOT_ACCEPTED, permission=is_window_clerk)
    def not_accept(self):
        """不予受理, with reason and legal basis; applicant told."""

    # Applicant ----------------------------------------------------------------------------

    @transition(
        field=state,
        source=[S.SUPPLEMENT, S.RETURNED],
        target=RETURN_VALUE(S.SUBMITTED, S.REVIEWING),
        permission=is_applicant,
    )
    def resubmit(self):
        """Supplemented materials go back to intake; a returned file goes back to its step."""
        return S.SUBMITTED if self.state == S.SUPPLEMENT else S.REVIEWING

    @transition(field=state, source=BEFORE_DECISION, target=S.WITHDRAWN, permission=is_applicant)
    def withdraw(self):
        """The applicant gives up the application before a decision."""

    # Step handlers ------------------------------------------------------------------------

    @transition(
        field=state, source=IN_PROGRESS, target=S.REVIEWING, permission=is_step_handler, conditions=[has_next_step]
    )
    def advance(self):
        """The current step is done; the case moves to the next one."""

    @transition(
        field=state, source=S.REVIEWING, target=S.REVIEWING, permission=is_step_handler, conditions=[has_previous_step]
    )
    def send_back(self):
        """回退: back to the previous step, with the reason (rule R1 counts it)."""

    @transition(field=state, source=IN_PROGRESS, target=S.RETURNED, permission=is_step_handler)
    def return_to_applicant(self):
        """退件: the applicant must correct the application; the clock pauses; applicant told."""

    @transition(field=state, source=IN_PROGRESS, target=S.SUSPENDED, permission=is_step_handler)
    def suspend(self):
        """特别程序 (hearing, test, expert review): reason and expected days; the clock pauses; applicant told."""

    @transition(field=state, source=S.SUSPENDED, target=S.REVIEWING, permission=is_step_handler)
    def resume(self):
        """The special procedure is over; the clock runs again; applicant told."""

    @transition(
        field=state,
        source=[S.ACCEPTED, S.REVIEWING, S.RETURNED, S.SUSPENDED],
        target=None,
        permission=is_department_head,
        conditions=[may_extend],
    )
    def extend(self):
        """延期: once, within the item's extension days, by the department head; applicant told why."""

    # Decision -----------------------------------------------------------------------------

    @transition(field=state, source=IN_PROGRESS, target=S.APPROVED, permission=may_decide, conditions=[decision_due])
    def approve(self):
        """准予许可, by an approver who did not review the case."""

    @transition(field=state, source=IN_PROGRESS, target=S.DENIED, permission=may_decide, conditions=[decision_due])
    def deny(self):
        """不予许可, with reason and legal basis, by an approver who did not review the case."""

    @transition(field=state, source=[S.APPROVED, S.DENIED], target=S.CONCLUDED, permission=is_window_clerk)
    def conclude(self):
        """办结: a notice of conclusion (PDF) is issued and the reply goes to the applicant."""
