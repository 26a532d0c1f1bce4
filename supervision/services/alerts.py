"""Handling an alert (督办): one service per transition of ``supervision.flows.AlertFlow``.

    alert_acknowledge  an inspector has seen it                       (note)
    alert_order        a supervision order to the alert's department  (instructions, due date)
    alert_answer       the department head answers the open order     (answer)
    alert_escalate     referred up; to be ordered again or closed     (reason)
    alert_close        the inspector's conclusion                      (conclusion)

Each locks the alert, refuses a user the transition does not admit (PermissionDenied) and then a
state it cannot be fired from (ValidationError), fires it, saves, and writes the alert's trail
(``AlertEvent``) in the same transaction. Every one of them needs its text: it is the trail.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from ..models import Alert, AlertEvent, SupervisionOrder

logger = logging.getLogger(__name__)


def _require(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(message)
    return text


def _may_ever(alert: Alert, user, action: str) -> bool:
    """Whether ``user`` may fire ``action`` on ``alert`` from some state: who, not when."""
    return any(
        transition.name == action and transition.has_perm(alert, user)
        for transition in alert.get_all_state_transitions()
    )


@contextmanager
def _transition(alert: Alert, user, action: str, *, note: str) -> Iterator[Alert]:
    """Lock, check and fire ``action``; the caller completes the locked alert inside; then save and trail."""
    locked = Alert.objects.select_for_update(of=("self",)).select_related("rule").get(pk=alert.pk)
    # Who first: someone with no part in handling this alert learns nothing about its state.
    if not _may_ever(locked, user, action):
        raise PermissionDenied(_("You may not do this on alert %(id)s.") % {"id": locked.pk})
    method = getattr(locked, action)
    if not can_proceed(method):
        raise ValidationError(
            _("Alert %(id)s is “%(state)s”: this cannot be done now.")
            % {"id": locked.pk, "state": locked.get_state_display()},
            code="state",
        )
    if not has_transition_perm(method, user):
        raise PermissionDenied(_("You may not do this on alert %(id)s.") % {"id": locked.pk})
    from_state = locked.state
    method()
    yield locked
    try:
        locked.save()
    except ConcurrentTransition:
        raise ValidationError(
            _("Alert %(id)s has been handled by someone else in the meantime: reload it.") % {"id": locked.pk},
            code="stale",
        ) from None
    AlertEvent.objects.create(
        alert=locked, actor=user, action=action, from_state=from_state, to_state=locked.state, note=note
    )
    logger.info("alert_%s alert=%s by=%s from=%s to=%s", action, locked.pk, user.pk, from_state, locked.state)
    alert.refresh_from_db()


@transaction.atomic
def alert_acknowledge(*, alert: Alert, user, note: str) -> Alert:
    """An inspector has seen the alert and is looking into it; the note says what they will check."""
    note = _require(note, _("Write a note: what you are looking into goes into the alert's trail."))
    with _transition(alert, user, "acknowledge", note=note):
        pass
    return alert


@transaction.atomic
def alert_order(*, alert: Alert, user, instructions: str, due_date: date) -> Alert:
    """督办单: the alert's department must explain or rectify by ``due_date`` (a day after today)."""
    instructions = _require(instructions, _("Write the instructions of the supervision order."))
    if due_date is None or due_date <= timezone.localdate():
        raise ValidationError(_("The answer's due date must be a day after today."), code="due_date")
    with _transition(alert, user, "order", note=instructions) as locked:
        if locked.department_id is None:
            raise ValidationError(
                _("Alert %(id)s concerns no department: there is no one to send a supervision order to.")
                % {"id": locked.pk},
                code="department",
            )
        order = SupervisionOrder(
            alert=locked,
            department_id=locked.department_id,
            instructions=instructions,
            due_date=due_date,
            issued_by=user,
        )
        order.full_clean()
        order.save()
    # The department head finds it under /supervision/orders/; the fact is logged once committed.
    transaction.on_commit(
        lambda: logger.info(
            "supervision_order_issued order=%s alert=%s department=%s due=%s",
            order.pk,
            alert.pk,
            order.department_id,
            order.due_date.isoformat(),
        )
    )
    return alert


@transaction.atomic
def alert_answer(*, alert: Alert, user, answer: str) -> Alert:
    """The department head's explanation or rectification, written into the open supervision order."""
    answer = _require(answer, _("Write the department's answer to the supervision order."))
    with _transition(alert, user, "answer", note=answer) as locked:
        order = locked.orders.select_for_update().filter(answered_at__isnull=True).order_by("-issued_at", "-pk").first()
        if order is None:
            raise ValidationError(_("Alert %(id)s has no supervision order awaiting an answer.") % {"id": locked.pk})
        order.answer, order.answered_by, order.answered_at = answer, user, timezone.now()
        order.full_clean()
        order.save(update_fields=["answer", "answered_by", "answered_at"])
    return alert


@transaction.atomic
def alert_escalate(*, alert: Alert, user, reason: str) -> Alert:
    """Referred up (the answer does not satisfy, or the matter is serious), with the reason."""
    reason = _require(reason, _("Give the reason for escalating the alert."))
    with _transition(alert, user, "escalate", note=reason):
        pass
    return alert


@transaction.atomic
def alert_close(*, alert: Alert, user, conclusion: str) -> Alert:
    """The inspector's conclusion: satisfied with the answer, or the alert was unfounded."""
    conclusion = _require(conclusion, _("Write the conclusion: it closes the alert and stays in its trail."))
    with _transition(alert, user, "close", note=conclusion) as locked:
        locked.closed_at = timezone.now()
    return alert


# The service behind each action of the alert page, by transition name.
SERVICES = {
    "acknowledge": alert_acknowledge,
    "order": alert_order,
    "answer": alert_answer,
    "escalate": alert_escalate,
    "close": alert_close,
}
