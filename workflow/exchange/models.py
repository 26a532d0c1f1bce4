"""The outbox and the inbox of this zone's exchange with the other zone, in this zone's database."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .packets import Kind, Reason


class OutboundPacket(models.Model):
    """A packet for the other zone, written in the same transaction as the change that caused it.

    It stays until the other zone acknowledges it: shipping again after a crash or an outage only
    sends a packet the receiver recognises by its id.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    # The packets of one stream (one case, one catalogue item) are applied in ``seq`` order.
    stream = models.CharField(_("stream"), max_length=60)
    seq = models.PositiveIntegerField(_("sequence number"))
    envelope = models.JSONField(_("envelope"))
    # The files to send with it: name, sha256, size and the storage name to read them from.
    files = models.JSONField(_("files"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    shipped_at = models.DateTimeField(_("last shipped at"), null=True, blank=True)
    acked_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbound packet")
        verbose_name_plural = _("outbound packets")
        ordering = ["created_at", "stream", "seq"]
        constraints = [models.UniqueConstraint(fields=["stream", "seq"], name="outbound_one_per_stream_seq")]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(acked_at__isnull=True), name="outbound_unacked"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.stream}#{self.seq}"


class InboundState(models.TextChoices):
    PENDING = "pending", _("waiting to be applied")
    APPLIED = "applied", _("applied")
    # Needs a person: released (retried) or dismissed from the admin or ``manage.py exchange``.
    QUARANTINED = "quarantined", _("quarantined")
    # A damaged copy of a packet whose genuine copy arrived: nothing left to do.
    SUPERSEDED = "superseded", _("superseded by its genuine copy")
    DISMISSED = "dismissed", _("dismissed")


# The states in which a packet's predecessor lets the rest of its stream be applied: an
# administrator who dismisses a packet that cannot be applied lets its stream go on.
STREAM_DONE = (InboundState.APPLIED, InboundState.DISMISSED)


class InboundPacket(models.Model):
    """A packet from the other zone, recorded before it is applied, so that it is applied once.

    A packet quarantined on arrival is kept whole (``raw``) with its reason and never applied; it
    does not claim its id, so a forged packet cannot shadow the genuine one that arrives later (and
    is superseded when it does). A packet whose handler failed is quarantined in its own row.
    """

    packet_id = models.UUIDField(_("packet id"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    source = models.CharField(_("source zone"), max_length=10, blank=True)
    stream = models.CharField(_("stream"), max_length=60, blank=True)
    seq = models.PositiveIntegerField(_("sequence number"), null=True, blank=True)
    payload = models.JSONField(_("payload"), null=True, blank=True)
    # The attachments as stored in this zone: name, sha256, size and storage name.
    files = models.JSONField(_("files"), default=list, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=InboundState.choices)
    reason = models.TextField(_("reason"), blank=True)
    reason_code = models.CharField(_("check failed"), max_length=20, choices=Reason.choices, blank=True)
    # A quarantined packet exactly as it arrived (the storage name of that copy), for inspection.
    raw = models.CharField(_("packet as received"), max_length=200, blank=True)
    raw_sha256 = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    # Set once this zone's acknowledgement is written: a worker killed in between leaves it empty,
    # and the next round acknowledges the packet then, without waiting for the sender's retry.
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbound packet")
        verbose_name_plural = _("inbound packets")
        ordering = ["-received_at"]
        permissions = [("resolve_quarantine", _("Can retry or dismiss quarantined packets"))]
        constraints = [
            # A packet that passed its checks is recorded once (it has no ``raw`` copy; a damaged
            # copy quarantined on arrival has, and does not claim the id it names).
            models.UniqueConstraint(fields=["packet_id"], condition=Q(raw_sha256=""), name="inbound_once_per_packet"),
            # The same bad packet shipped again is one quarantine entry, not one per attempt.
            models.UniqueConstraint(
                fields=["raw_sha256"], condition=Q(raw_sha256__gt=""), name="inbound_quarantined_once"
            ),
        ]
        indexes = [
            models.Index(fields=["source", "stream", "seq"], name="inbound_stream"),
            models.Index(
                fields=["received_at"],
                condition=Q(acknowledged_at__isnull=True, raw_sha256=""),
                name="inbound_unacknowledged",
            ),
        ]

    def __str__(self):
        return f"{self.kind or '?'} {self.stream}#{self.seq or '?'} ({self.get_state_display()})"


class QuarantineAction(models.TextChoices):
    RETRY = "retry", _("retry")
    DISMISS = "dismiss", _("dismiss")
    SUPERSEDE = "supersede", _("superseded")


class QuarantineDecision(models.Model):
    """What was done about a quarantined packet, by whom and why (none: the exchange itself)."""

    packet = models.ForeignKey(InboundPacket, on_delete=models.PROTECT, related_name="decisions")
    action = models.CharField(_("action"), max_length=10, choices=QuarantineAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("why"))
    outcome = models.TextField(_("outcome"), blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("quarantine decision")
        verbose_name_plural = _("quarantine decisions")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_action_display()} {self.packet_id}"


class PeerHealth(models.Model):
    """The other zone's exchange health as it last reported it (``exchange.health``): that zone
    may have no admin or dashboard of its own, so its quarantine is watched from here."""

    zone = models.CharField(_("zone"), max_length=10, unique=True)
    reported_at = models.DateTimeField(_("reported at"))
    unacknowledged = models.PositiveIntegerField(_("unacknowledged"))
    oldest_unacknowledged_seconds = models.PositiveIntegerField(_("oldest unacknowledged (s)"))
    pending = models.PositiveIntegerField(_("waiting to be applied"))
    # Quarantined packets that still need a person there, by the check they failed.
    quarantined = models.JSONField(_("quarantined, by reason"), default=dict)

    class Meta:
        verbose_name = _("other zone's exchange health")
        verbose_name_plural = _("other zone's exchange health")

    def __str__(self):
        return self.zone

    @property
    def quarantined_total(self) -> int:
        return sum(self.quarantined.values())
