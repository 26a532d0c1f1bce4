"""The penalty case's state machine (DESIGN.md §4, 行政处罚).

    clue --register--> registered --investigate--> investigating --inform--> informed --decide--> decided
      |                   |                          ^    |                    |   \\               |
      not_register        +------ change_cause ------+    |     request_hearing --> hearing      execute
      (not_registered)                                    |                    |      |             v
                                                   return_review     submit_review (either)   executed --close--> closed
                                                          |                    v
                                                          +--- legal_review -pass_review-> reviewed --decide--> decided
    revoke: from any state before the decision, by the department head (revoked).

When the item's flowchart has a legal-review step (法制审核, Administrative Penalty Law art. 58),
the case is decided only from ``reviewed``; otherwise from informed or hearing, as the other path
is closed to it. Law-enforcement officers of the case's department fire every other step, its
legal reviewer the review, its head the decision and the revocation. Only
``workflow.services.penalties`` fires these, with the row locked, and writes the trail entry.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from portal.fsm import ThreadSafeRefreshMixin
from portal.roles import Role
from portal.selectors import handles_department

from .constants import PENALTY_UNDECIDED_STATES
from .constants import PenaltyState as S


def _staff(role):
    def check(case, user) -> bool:
        return user.has_role(role) and handles_department(user, case.department_id)

    return check


is_officer = _staff(Role.LAW_ENFORCER)
is_department_head = _staff(Role.DEPT_HEAD)
_is_legal_reviewer = _staff(Role.LEGAL_REVIEWER)
# A flowchart step that is the legal review: by its handling role, or by its name in a catalogue
# imported before the role existed.
LEGAL_REVIEW_STEP = Q(role=Role.LEGAL_REVIEWER) | Q(name__contains="法制审核")


def is_legal_reviewer(case, user) -> bool:
    """The department's legal reviewer, never one who acted on the case otherwise (the officer)."""
    if not _is_legal_reviewer(case, user):
        return False
    return not case.trail.filter(actor=user).exclude(action__in=REVIEW_ACTIONS).exists()


def needs_legal_review(case) -> bool:
    return case.item.steps.filter(LEGAL_REVIEW_STEP).exists()


def review_settled(case) -> bool:
    """Decidable: reviewed, or an item whose flowchart has no legal review."""
    return case.state == S.REVIEWED or not needs_legal_review(case)


# The role each action is taken in, as the trail records it.
REVIEW_ACTIONS = ("pass_review", "return_review")
ACTION_ROLES = {
    "decide": Role.DEPT_HEAD,
    "revoke": Role.DEPT_HEAD,
    **dict.fromkeys(REVIEW_ACTIONS, Role.LEGAL_REVIEWER),
}


def acting_role(action: str) -> str:
    return ACTION_ROLES.get(action, Role.LAW_ENFORCER)


class PenaltyCaseFlow(ThreadSafeRefreshMixin, ConcurrentTransitionMixin, models.Model):
    state = FSMField(_("state"), default=S.CLUE, choices=S.choices, protected=True, db_index=True)

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        # Cleaning assigns every field back to the instance, which the protected state refuses.
        super().clean_fields(exclude={*(exclude or ()), "state"})

    @transition(field=state, source=S.CLUE, target=S.REGISTERED, permission=is_officer)
    def register(self):
        """立案: the 90-day clock starts (rule P3)."""

    @transition(field=state, source=S.CLUE, target=S.NOT_REGISTERED, permission=is_officer)
    def not_register(self):
        """不予立案, with the reason (rule P1 yellow)."""

    @transition(field=state, source=S.REGISTERED, target=S.INVESTIGATING, permission=is_officer)
    def investigate(self):
        """调查取证 begins."""

    @transition(field=state, source=[S.REGISTERED, S.INVESTIGATING], target=None, permission=is_officer)
    def change_cause(self):
        """变更案由: another penalty item of the department, with the reason; old and new kept (rule P1 yellow)."""

    @transition(field=state, source=S.INVESTIGATING, target=S.INFORMED, permission=is_officer)
    def inform(self):
        """告知: the facts, the circumstance level and the proposed penalty; rights to a statement and a hearing."""

    @transition(field=state, source=S.INFORMED, target=S.HEARING, permission=is_officer)
    def request_hearing(self):
        """The party asked for a hearing (听证)."""

    @transition(
        field=state,
        source=[S.INFORMED, S.HEARING],
        target=S.LEGAL_REVIEW,
        permission=is_officer,
        conditions=[needs_legal_review],
    )
    def submit_review(self):
        """提请法制审核: the facts, the evidence and the proposed penalty go to the legal reviewer."""

    @transition(field=state, source=S.LEGAL_REVIEW, target=S.REVIEWED, permission=is_legal_reviewer)
    def pass_review(self):
        """法制审核通过, with the reviewer's opinion: the head may decide."""

    @transition(field=state, source=S.LEGAL_REVIEW, target=S.INVESTIGATING, permission=is_legal_reviewer)
    def return_review(self):
        """法制审核退回, with the reviewer's opinion: back to investigation, to inform the party again."""

    @transition(
        field=state,
        source=[S.INFORMED, S.HEARING, S.REVIEWED],
        target=S.DECIDED,
        permission=is_department_head,
        conditions=[review_settled],
    )
    def decide(self):
        """处罚决定, by the department head; an amount outside the standard's range needs a justification
        (rule P2 red); the decision (PDF) is issued and published with personal data masked."""

    @transition(field=state, source=S.DECIDED, target=S.EXECUTED, permission=is_officer)
    def execute(self):
        """执行: the fine paid or the sanction carried out."""

    @transition(field=state, source=S.EXECUTED, target=S.CLOSED, permission=is_officer)
    def close(self):
        """结案."""

    @transition(field=state, source=list(PENALTY_UNDECIDED_STATES), target=S.REVOKED, permission=is_department_head)
    def revoke(self):
        """撤销立案, with the reason, by the department head (rule P1 red)."""
