"""Firing one transition of a case's state machine (licensing or penalty), as every service does.

The caller locks the row and writes the trail entry; this checks that the page the user acted on
is current (``revision``), that the state allows the action and that the user may fire it, then
fires it, lets the caller update the case, and saves it.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm


def require(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(message)
    return text


@contextmanager
def fired(locked, user, action: str, *, revision: int | None) -> Iterator[str]:
    """Fire ``action`` on the locked case and yield the state it left; the case is saved afterwards."""
    if revision is not None and locked.revision != revision:
        raise ValidationError(
            _("Case %(number)s has been handled by someone else since you opened it: it is now “%(state)s”.")
            % {"number": locked.number, "state": locked.get_state_display()},
            code="stale",
        )
    method = getattr(locked, action)
    if not can_proceed(method):
        raise ValidationError(
            _("Case %(number)s is “%(state)s”: this cannot be done now.")
            % {"number": locked.number, "state": locked.get_state_display()},
            code="state",
        )
    if not has_transition_perm(method, user):
        raise PermissionDenied(_("You may not do this on case %(number)s.") % {"number": locked.number})
    from_state = locked.state
    method()
    locked.revision += 1
    yield from_state
    try:
        locked.save()
    except ConcurrentTransition:
        raise ValidationError(
            _("Case %(number)s has been handled by someone else in the meantime: reload it.")
            % {"number": locked.number},
            code="stale",
        ) from None
