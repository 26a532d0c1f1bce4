"""The outbox and the inbox of this zone's exchange with the other zone, in this zone's database."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .packets import Kind


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
    QUARANTINED = "quarantined", _("quarantined")


class InboundPacket(models.Model):
    """A packet from the other zone, recorded before it is applied, so that it is applied once.

    A quarantined packet is kept whole (``raw``) with its reason and never applied; it does not
    claim its id, so a forged packet cannot shadow the genuine one that arrives later.
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
    # A quarantined packet exactly as it arrived (the storage name of that copy), for inspection.
    raw = models.CharField(_("packet as received"), max_length=200, blank=True)
    raw_sha256 = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbound packet")
        verbose_name_plural = _("inbound packets")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["packet_id"], condition=~Q(state=InboundState.QUARANTINED), name="inbound_once_per_packet"
            ),
            # The same bad packet shipped again is one quarantine entry, not one per attempt.
            models.UniqueConstraint(
                fields=["raw_sha256"],
                condition=Q(state=InboundState.QUARANTINED, raw_sha256__gt=""),
                name="inbound_quarantined_once",
            ),
        ]
        indexes = [models.Index(fields=["source", "stream", "seq"], name="inbound_stream")]

    def __str__(self):
        return f"{self.kind or '?'} {self.stream}#{self.seq or '?'} ({self.get_state_display()})"
