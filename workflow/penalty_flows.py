"""The penalty case's state machine (DESIGN.md §4, 行政处罚).

    clue --register--> registered --investigate--> investigating --inform--> informed --decide--> decided
      \\                  |                          |                       |  \\                  |
       not_register       |                          |          request_hearing  hearing --decide--^
       (not_registered)   |                          |                                         execute
                          +---- change_cause (state unchanged, before the party is informed)    v
    revoke: from registered to hearing, by the department head (revoked).         executed --close--> closed

Law-enforcement officers of the case's department fire everything but the decision and the
revocation, which need its head. Only ``workflow.services.penalties`` fires these, with the row
locked, and writes the trail entry.
"""

from django.db import models
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

# The role each action is taken in, as the trail records it.
ACTION_ROLES = {"decide": Role.DEPT_HEAD, "revoke": Role.DEPT_HEAD}


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

    @transition(field=state, source=[S.INFORMED, S.HEARING], target=S.DECIDED, permission=is_department_head)
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
