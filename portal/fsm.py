"""Protected state fields (django-fsm) that threads can share.

django-fsm's ``FSMModelMixin.refresh_from_db`` lifts the ``protected`` flag of the state field
itself — one object shared by every instance in every thread — while one instance reloads. A
transition in another thread reloading its own instance at that moment finds the flag put back
too early, and fails with "Direct state modification is not allowed": under gunicorn's gthread
workers and Celery's threads pool that was a 500 and the winning action rolled back (issue 16).
"""

from django_fsm import FSMFieldMixin, FSMModelMixin


class ThreadSafeRefreshMixin(FSMModelMixin):
    """``refresh_from_db`` that never touches the field's flag.

    The protection refuses a write only while the state is in the instance's ``__dict__``; the
    reload takes this instance's own copy out of it instead, so the state is written again from
    the database and every other instance stays protected throughout.
    """

    def _get_protected_fsm_fields(self) -> set[str]:
        return set()  # the fields whose flag FSMModelMixin.refresh_from_db would lift: none

    def refresh_from_db(self, using=None, fields=None, from_queryset=None) -> None:
        # Every state, even when ``fields`` names others: ConcurrentTransitionMixin loads the
        # state of the instance Django reads the fields from, and Django copies it over.
        held = {
            field.attname: self.__dict__.pop(field.attname)
            for field in self._meta.concrete_fields
            if isinstance(field, FSMFieldMixin) and field.protected and field.attname in self.__dict__
        }
        self._states_reloading = frozenset(held)
        try:
            super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        finally:
            del self._states_reloading
            for name, value in held.items():  # not reloaded (or the row is gone): as it was
                self.__dict__.setdefault(name, value)

    def get_deferred_fields(self) -> set[str]:
        # Taken out of __dict__ above to be written again, not deferred: Django must reload them.
        return super().get_deferred_fields() - getattr(self, "_states_reloading", frozenset())
