"""The publication life cycle of a catalogue item version.

    draft --submit--> in_review --publish--> published --abolish--> abolished
      ^                  |                       |
      +-----reject-------+                       +--supersede--> superseded

Only powers.services fires these: publishing also supersedes the version in force, in the same
transaction.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from portal.fsm import ThreadSafeRefreshMixin

from .constants import Status


class PowerItemFlow(ThreadSafeRefreshMixin, models.Model):
    status = FSMField(_("status"), default=Status.DRAFT, choices=Status.choices, protected=True, db_index=True)

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        # Cleaning assigns every field back to the instance, which the protected status refuses;
        # the status is never input anyway, only moved by the transitions below.
        super().clean_fields(exclude={*(exclude or ()), "status"})

    @transition(field=status, source=Status.DRAFT, target=Status.IN_REVIEW)
    def submit(self):
        """The editor sends the draft for review."""

    @transition(field=status, source=Status.IN_REVIEW, target=Status.DRAFT)
    def reject(self):
        """The reviewer sends it back for more editing."""

    @transition(field=status, source=Status.IN_REVIEW, target=Status.PUBLISHED)
    def publish(self):
        """The version comes into force; citizens see it and new cases pin it."""

    @transition(field=status, source=Status.PUBLISHED, target=Status.SUPERSEDED)
    def supersede(self):
        """A newer version came into force; cases filed earlier keep pointing here."""

    @transition(field=status, source=Status.PUBLISHED, target=Status.ABOLISHED)
    def abolish(self):
        """The item is withdrawn from the catalogue."""
