"""The handling of an alert (督办), DESIGN.md §5.

    open --acknowledge--> acknowledged --order--> ordered --answer--> answered --close--> closed
      \\______________________order_________________^                      |
    escalate: from any open state but escalated; an escalated alert is ordered again or closed.
    The sweep closes an alert whose condition has cleared (supervision.services.sweep), in bulk.

Inspectors acknowledge, order, escalate and close; the head of the alert's department answers
the supervision order. Only supervision.services fires these, and writes the alert's trail.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from portal.fsm import ThreadSafeRefreshMixin
from portal.roles import Role
from portal.selectors import handles_department

from .constants import AlertState as A


def is_inspector(alert, user) -> bool:
    return user.has_role(Role.INSPECTOR)


def is_department_head(alert, user) -> bool:
    return user.has_role(Role.DEPT_HEAD) and handles_department(user, alert.department_id)


class AlertFlow(ThreadSafeRefreshMixin, ConcurrentTransitionMixin, models.Model):
    state = FSMField(_("state"), default=A.OPEN, choices=A.choices, protected=True, db_index=True)

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude={*(exclude or ()), "state"})

    @transition(field=state, source=A.OPEN, target=A.ACKNOWLEDGED, permission=is_inspector)
    def acknowledge(self):
        """An inspector has seen the alert and is looking into it."""

    @transition(field=state, source=[A.OPEN, A.ACKNOWLEDGED, A.ESCALATED], target=A.ORDERED, permission=is_inspector)
    def order(self):
        """督办单: the department must explain or rectify by a due date; its head is told."""

    @transition(field=state, source=A.ORDERED, target=A.ANSWERED, permission=is_department_head)
    def answer(self):
        """The department head's explanation or rectification."""

    @transition(
        field=state,
        source=[A.OPEN, A.ACKNOWLEDGED, A.ORDERED, A.ANSWERED],
        target=A.ESCALATED,
        permission=is_inspector,
    )
    def escalate(self):
        """The answer does not satisfy, or the matter is serious: referred up, to be ordered again or closed."""

    @transition(
        field=state, source=[A.OPEN, A.ACKNOWLEDGED, A.ANSWERED, A.ESCALATED], target=A.CLOSED, permission=is_inspector
    )
    def close(self):
        """The inspector is satisfied (or the alert was unfounded), with a conclusion."""
