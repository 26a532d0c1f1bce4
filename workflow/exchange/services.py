"""The outbox and the inbox: what is shipped, what is recorded, what is applied, and in which order.

- ``packet_emit`` writes a packet into the outbox, inside the transaction of the change that
  caused it; after commit a worker ships it, and beat ships again whatever is unacknowledged,
  with backoff.
- ``packet_receive`` checks a packet that arrived and records it in the inbox by its id before
  anything is applied (so a packet delivered twice is applied once), or quarantines it.
- ``packets_apply`` applies the recorded packets of each stream in sequence order: one that
  arrives early waits for its predecessor.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from itertools import islice

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.blobs import blob_save
from portal.models import User
from supervision.constants import Level, Subject
from supervision.models import Rule
from supervision.services.sweep import Finding, rule_sync

from .models import (
    STREAM_DONE,
    InboundPacket,
    InboundState,
    OutboundPacket,
    PeerHealth,
    QuarantineAction,
    QuarantineDecision,
)
from .packets import (
    Kind,
    Packet,
    Quarantined,
    Reason,
    acks_decode,
    acks_encode,
    envelope_make,
    moment,
    sha256,
    wire_decode,
    wire_encode,
)
from .selectors import exchange_health
from .transports import TransportError, transport_for

logger = logging.getLogger(__name__)

# Shipping again: 2 minutes after the first attempt, doubling, at most every 15 minutes. Not
# sooner: a peer that is merely behind would receive every packet twice and fall further behind.
FIRST_RETRY = timedelta(minutes=2)
LAST_RETRY = timedelta(minutes=15)
SHIP_BATCH = 500
# Packets read from the transport before they are acknowledged and applied, within one round.
RECEIVE_BATCH = 500
# Rule X1 watches this zone's link to the other zone and, in the internal zone, the external
# zone's inbox as that zone reports it.
BACKLOG_RULE = "X1"
LINK = 1
PEER_INBOX = 2
# A packet the receiver got damaged is shipped again at once, at most this many attempts in all.
RESEND_AT_ONCE = 4
HEALTH_STREAM = "health:external"
HEALTH_REPORT_EVERY = timedelta(minutes=15)

# What each packet kind does in this zone: kind → handler(packet), registered by the apps that own
# the data (``handles``). A packet of a kind this zone does not handle is quarantined.
HANDLERS: dict[str, Callable[[InboundPacket], None]] = {}


def handles(kind: str):
    """Register the decorated function as this zone's handler of ``kind``."""

    def register(function):
        HANDLERS[kind] = function
        return function

    return register


def sent_here(packet: InboundPacket) -> bool:
    """A packet this zone sent itself (the single zone's loopback): the change that emitted it is
    already in this database, so a handler that would copy it has nothing to do."""
    return packet.source == settings.PORTAL_ZONE


# Outbox ----------------------------------------------------------------------------------------


def packet_emit(*, kind: str, stream: str, payload: dict, files=()) -> OutboundPacket:
    """Queue a packet for the other zone in the current transaction (``files``: (name, storage name))."""
    return packets_emit(kind=kind, packets=[(stream, payload, files)])[0]


def packets_emit(*, kind: str, packets: list[tuple[str, dict, list]]) -> list[OutboundPacket]:
    """Queue packets of one kind, each (stream, payload, files), in a few queries whatever their
    number (a catalogue import sends thousands).

    Each packet is numbered after its stream's last one; streams are serialised by advisory locks
    on PostgreSQL, taken in one order, so two changes of one case at once cannot take one number.
    """
    if not packets:
        return []
    streams = sorted({stream for stream, _payload, _files in packets})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext('exchange:' || stream)) FROM unnest(%s::text[]) AS stream",
                [streams],
            )
    last = dict(
        OutboundPacket.objects.filter(stream__in=streams)
        .order_by()
        .values("stream")
        .annotate(last=Max("seq"))
        .values_list("stream", "last")
    )
    queued = []
    for stream, payload, files in packets:
        described = []
        for name, storage_name in files:
            with default_storage.open(storage_name, "rb") as file:
                data = file.read()
            described.append({"name": name, "sha256": sha256(data), "size": len(data), "storage": storage_name})
        last[stream] = last.get(stream, 0) + 1
        packet = OutboundPacket(kind=kind, stream=stream, seq=last[stream], files=described)
        packet.envelope = envelope_make(
            packet_id=packet.id,
            kind=kind,
            stream=stream,
            seq=packet.seq,
            payload=payload,
            attachments=[{key: file[key] for key in ("name", "sha256", "size")} for file in described],
        )
        queued.append(packet)
    OutboundPacket.objects.bulk_create(queued)
    transaction.on_commit(ship_soon)
    return queued


def ship_soon() -> None:
    """Start a round of the exchange in a worker (after the commit that queued or recorded a packet),
    without the backlog report: beat's rounds make it, and one commit does not change it much."""
    from .tasks import exchange_run

    exchange_run.delay(report=False)


@contextmanager
def _alone(name: str) -> Iterator[bool]:
    """Whether this process holds ``name`` for the block: on PostgreSQL an advisory lock taken
    only if free, so concurrent rounds leave a step to the one already doing it (SQLite
    serialises its writers anyway)."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [name])
        taken = cursor.fetchone()[0]
    try:
        yield taken
    finally:
        if taken:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [name])


def _wire(packet: OutboundPacket) -> bytes:
    files = {}
    for file in packet.files:
        with default_storage.open(file["storage"], "rb") as stored:
            files[file["sha256"]] = stored.read()
    return wire_encode(packet.envelope, files)


def _retry_after(attempts: int) -> timedelta:
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LAST_RETRY)


def _ship_batch(transport, limit: int) -> tuple[int, int]:
    """One transaction's worth: (packets tried, packets shipped)."""
    tried = shipped = 0
    with transaction.atomic():
        now = timezone.now()
        due = (
            OutboundPacket.objects.select_for_update(skip_locked=True)
            .filter(acked_at__isnull=True, next_attempt_at__lte=now)
            .order_by("created_at", "seq")[:limit]
        )
        for packet in due:
            tried += 1
            packet.attempts += 1
            packet.next_attempt_at = now + _retry_after(packet.attempts)
            try:
                if not transport.waiting(packet.id):
                    transport.send(packet.id, _wire(packet))
            except (TransportError, OSError) as error:
                packet.last_error = str(error)
                logger.warning("exchange_ship_failed packet=%s error=%s", packet.id, error)
            else:
                packet.shipped_at, packet.last_error = now, ""
                shipped += 1
            packet.save(update_fields=["attempts", "next_attempt_at", "shipped_at", "last_error"])
    return tried, shipped


def packets_ship(transport, *, batch: int = SHIP_BATCH) -> int:
    """Ship every unacknowledged packet that is due, a batch per transaction; each is shipped again
    later until acknowledged (a packet tried is not due again before its retry time)."""
    shipped = 0
    while True:
        tried, done = _ship_batch(transport, batch)
        shipped += done
        if tried < batch:
            return shipped


def acks_receive(transport) -> tuple[int, int]:
    """Mark the packets the other zone acknowledged (they are not shipped again) and make due now
    those it received damaged and asked for again: (acknowledged, asked for again)."""
    acked = asked = 0
    for data, done in transport.acknowledgements():
        ids, resend = acks_decode(data)
        if ids or resend:
            now = timezone.now()
            acked += OutboundPacket.objects.filter(pk__in=ids, acked_at__isnull=True).update(acked_at=now)
            # Only the first few times: a packet that arrives damaged whatever the number of tries
            # (a wrong key) goes back to the backoff instead of crossing at every round.
            asked += OutboundPacket.objects.filter(
                pk__in=resend, acked_at__isnull=True, attempts__lt=RESEND_AT_ONCE
            ).update(next_attempt_at=now)
        else:
            logger.warning("exchange_bad_ack size=%s", len(data))
        done()
    return acked, asked


# Inbox -----------------------------------------------------------------------------------------


def _supersede(packet_id) -> None:
    """The genuine copy of ``packet_id`` is recorded: its damaged copies need nobody any more."""
    damaged = list(InboundPacket.objects.filter(packet_id=packet_id, state=InboundState.QUARANTINED, raw_sha256__gt=""))
    if not damaged:
        return
    InboundPacket.objects.filter(pk__in=[packet.pk for packet in damaged]).update(state=InboundState.SUPERSEDED)
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("Its genuine copy arrived and was recorded.")
    QuarantineDecision.objects.bulk_create(
        QuarantineDecision(packet=packet, action=QuarantineAction.SUPERSEDE, reason=reason) for packet in damaged
    )


def _quarantine(data: bytes, error: Quarantined) -> InboundPacket:
    digest = sha256(data)
    found = InboundPacket.objects.filter(raw_sha256=digest).first()
    if found is not None:
        return found
    raw = default_storage.save(f"exchange/quarantine/{digest}.json", ContentFile(data))
    envelope = error.envelope
    logger.warning("exchange_quarantined reason=%s", error.reason)
    try:
        with transaction.atomic():
            quarantined = InboundPacket.objects.create(
                packet_id=error.packet_id,
                kind=str(envelope.get("kind", ""))[:40],
                source=str(envelope.get("source", ""))[:10],
                stream=str(envelope.get("stream", ""))[:60],
                state=InboundState.QUARANTINED,
                reason=error.reason,
                reason_code=error.code,
                raw=raw,
                raw_sha256=digest,
            )
    except IntegrityError:  # the same bytes quarantined by another worker meanwhile
        return InboundPacket.objects.get(raw_sha256=digest)
    if error.packet_id and InboundPacket.objects.filter(packet_id=error.packet_id, raw_sha256="").exists():
        _supersede(error.packet_id)  # a damaged copy of a packet already here (a late or replayed one)
        quarantined.refresh_from_db(fields=["state"])
    return quarantined


def _record(packet: Packet) -> InboundPacket:
    """The inbox's row for a checked packet: recorded once, whatever the number of deliveries."""
    recorded = InboundPacket.objects.filter(packet_id=packet.id, raw_sha256="").first()
    if recorded is not None:
        return recorded
    files = [
        {**attachment, "storage": blob_save(packet.files[attachment["sha256"]], digest=attachment["sha256"])}
        for attachment in packet.attachments
    ]
    try:
        with transaction.atomic():
            recorded = InboundPacket.objects.create(
                packet_id=packet.id,
                kind=packet.kind,
                source=packet.source,
                stream=packet.stream,
                seq=packet.seq,
                payload=packet.payload,
                files=files,
                state=InboundState.PENDING,
            )
    except IntegrityError:  # delivered twice at once: the other delivery recorded it (with the same files)
        return InboundPacket.objects.get(packet_id=packet.id, raw_sha256="")
    _supersede(packet.id)
    return recorded


def _decode(data: bytes) -> Packet:
    # Reasons are kept for administrators: in the site's language, whatever the worker's.
    with translation.override(settings.LANGUAGE_CODE):
        return wire_decode(data)


def packet_receive(data: bytes) -> InboundPacket:
    """Record a packet that arrived (once, whatever the number of deliveries), or quarantine it."""
    try:
        packet = _decode(data)
    except Quarantined as error:
        return _quarantine(data, error)
    return _record(packet)


def _acknowledge(transport, *, received: list, resend: list) -> int:
    """Acknowledge the packets of this round (again, for one delivered again: the first
    acknowledgement may have been lost on the way) and every recorded packet a worker killed last
    time left unacknowledged; ask again for damaged ones."""
    waiting = list(
        InboundPacket.objects.filter(acknowledged_at__isnull=True, raw_sha256="")
        .exclude(packet_id=None)
        .values_list("pk", "packet_id")
    )
    acknowledged = {*received, *(packet_id for _pk, packet_id in waiting)}
    if acknowledged or resend:
        transport.acknowledge(acks_encode(sorted(acknowledged, key=str), resend=resend))
        InboundPacket.objects.filter(pk__in=[pk for pk, _packet_id in waiting]).update(acknowledged_at=timezone.now())
    return len(acknowledged)


def packets_receive(transport, *, limit: int | None = None) -> int:
    """Record what arrived (at most ``limit`` packets) and acknowledge what is recorded.

    A packet quarantined on arrival is not acknowledged; when it names its id, the sender is asked
    to ship it again at once (a copy damaged on the way may arrive whole), not at its next retry.
    """
    received, resend = [], []
    for data, done in islice(transport.incoming(), limit):
        inbound = packet_receive(data)
        if inbound.state == InboundState.QUARANTINED and inbound.raw_sha256:
            if inbound.packet_id:
                resend.append(inbound.packet_id)
        elif inbound.raw_sha256 == "":
            received.append(inbound.packet_id)
        done()
    _acknowledge(transport, received=received, resend=resend)
    return len(received)


def _ready():
    """Pending packets whose predecessor in their stream is done with (or that open their stream)."""
    before = InboundPacket.objects.filter(
        state__in=STREAM_DONE, source=OuterRef("source"), stream=OuterRef("stream"), seq=OuterRef("seq") - 1
    )
    return InboundPacket.objects.filter(Q(seq=1) | Exists(before), state=InboundState.PENDING)


def _apply_one(pk: int) -> bool:
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        packet = InboundPacket.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
        if packet is None or packet.state != InboundState.PENDING:
            return False
        handler = HANDLERS.get(packet.kind)
        try:
            if handler is None:
                raise Quarantined(_("This zone does not handle packets of kind %(kind)s.") % {"kind": packet.kind})
            with transaction.atomic():
                handler(packet)
        except Exception as error:  # noqa: BLE001 - whatever fails, the packet is kept and shown, not lost
            logger.exception("exchange_apply_failed packet=%s", packet.packet_id)
            packet.state, packet.reason_code = InboundState.QUARANTINED, Reason.HANDLER
            packet.reason = getattr(error, "reason", None) or _("Could not be applied: %(error)s") % {"error": error}
        else:
            packet.state, packet.applied_at = InboundState.APPLIED, timezone.now()
        packet.save(update_fields=["state", "reason", "reason_code", "applied_at"])
        return packet.state == InboundState.APPLIED


def packets_apply() -> int:
    """Apply every recorded packet whose turn has come, stream by stream in sequence order."""
    applied = 0
    while ready := list(_ready().order_by("received_at", "pk").values_list("pk", flat=True)[:SHIP_BATCH]):
        done = sum(_apply_one(pk) for pk in ready)
        applied += done
        if not done:
            break
    return applied


# Quarantine: what an administrator does about a packet that needs a person ------------------------


def _quarantined(packet: InboundPacket) -> InboundPacket:
    locked = InboundPacket.objects.select_for_update().get(pk=packet.pk)
    if locked.state != InboundState.QUARANTINED:
        raise ValidationError(
            _("This packet is no longer quarantined (%(state)s).") % {"state": locked.get_state_display()}
        )
    return locked


def _why(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why: the decision is recorded with its reason."))
    return reason


@transaction.atomic
def quarantine_dismiss(*, packet: InboundPacket, actor: User, reason: str) -> QuarantineDecision:
    """Set a quarantined packet aside for good; the rest of its stream is applied without it."""
    reason = _why(reason)
    locked = _quarantined(packet)
    locked.state = InboundState.DISMISSED
    locked.save(update_fields=["state"])
    logger.info("exchange_quarantine_dismissed packet=%s by=%s", locked.pk, actor.username)
    return QuarantineDecision.objects.create(
        packet=locked, action=QuarantineAction.DISMISS, actor=actor, reason=reason, outcome=locked.get_state_display()
    )


def quarantine_retry(*, packet: InboundPacket, actor: User, reason: str) -> QuarantineDecision:
    """Check and apply a quarantined packet again (after the key, the code or the data it needed was
    put right): a copy quarantined on arrival is decoded again from the bytes kept, one whose
    handler failed is applied again. It stays quarantined, with the new reason, if it fails again."""
    reason = _why(reason)
    with transaction.atomic():
        locked = _quarantined(packet)
        if locked.raw_sha256:
            with default_storage.open(locked.raw, "rb") as kept:
                data = kept.read()
            try:
                _record(_decode(data))
            except Quarantined as error:
                locked.reason, locked.reason_code = error.reason, error.code
                locked.save(update_fields=["reason", "reason_code"])
        else:
            locked.state, locked.reason, locked.reason_code = InboundState.PENDING, "", ""
            locked.save(update_fields=["state", "reason", "reason_code"])
    packets_apply()
    locked.refresh_from_db()
    outcome = locked.get_state_display()
    if locked.state == InboundState.QUARANTINED:
        outcome = f"{outcome}: {locked.reason}"
    logger.info("exchange_quarantine_retried packet=%s by=%s state=%s", locked.pk, actor.username, locked.state)
    return QuarantineDecision.objects.create(
        packet=locked, action=QuarantineAction.RETRY, actor=actor, reason=reason, outcome=outcome
    )


# Health ------------------------------------------------------------------------------------------


def health_report_emit() -> OutboundPacket | None:
    """The external zone tells the internal one how its exchange is (it has no dashboard of its
    own): when its quarantine changes, and at least every ``HEALTH_REPORT_EVERY`` so that silence
    shows."""
    health = exchange_health()
    figures = {
        "unacknowledged": health["unacknowledged"],
        "oldest_unacknowledged_seconds": health["oldest_unacknowledged_seconds"],
        "pending": health["pending"],
        "quarantined": health["quarantined_by_reason"],
    }
    last = OutboundPacket.objects.filter(stream=HEALTH_STREAM).order_by("-seq").first()
    if last is not None:
        previous = dict(last.envelope["payload"])
        reported_at = moment(previous.pop("reported_at"))
        # What needs a person there is sent when it changes; the backlog (which each report adds
        # to) travels with it and with the periodic report.
        same = previous["quarantined"] == figures["quarantined"]
        if same and timezone.now() - reported_at < HEALTH_REPORT_EVERY:
            return None
    return packet_emit(
        kind=Kind.EXCHANGE_HEALTH,
        stream=HEALTH_STREAM,
        payload={"reported_at": timezone.now().isoformat(), **figures},
    )


@handles(Kind.EXCHANGE_HEALTH)
def exchange_health_apply(packet: InboundPacket) -> None:
    if sent_here(packet):
        return
    payload = packet.payload
    PeerHealth.objects.update_or_create(
        zone=packet.source,
        defaults={
            "reported_at": moment(payload["reported_at"]),
            "unacknowledged": payload["unacknowledged"],
            "oldest_unacknowledged_seconds": payload["oldest_unacknowledged_seconds"],
            "pending": payload["pending"],
            "quarantined": {reason: n for reason, n in payload["quarantined"].items() if n},
        },
    )


def _peer_finding() -> Finding | None:
    peer = PeerHealth.objects.first()
    if peer is None or not peer.quarantined_total:
        return None
    labels = dict(Reason.choices)
    with translation.override(settings.LANGUAGE_CODE):
        reasons = "、".join(f"{labels[code]} {n}" for code, n in sorted(peer.quarantined.items()) if code in labels)
        detail = _("The internet zone holds %(n)s quarantined packets (%(reasons)s)") % {
            "n": peer.quarantined_total,
            "reasons": reasons,
        }
    return Finding(PEER_INBOX, Level.RED, detail=detail[:300])


def backlog_report(*, now=None) -> None:
    """Rule X1 for supervision: this zone's link to the other turns yellow, then red, as its oldest
    unacknowledged packet waits longer than the rule's minutes, and is red while any is quarantined;
    the other zone's inbox, as it reported it, is red while it holds quarantined packets."""
    if settings.PORTAL_ZONE == settings.ZONE_EXTERNAL:
        health_report_emit()
    rule = Rule.objects.filter(code=BACKLOG_RULE, enabled=True).first()
    if rule is None:
        return
    health = exchange_health()
    level = Level.RED if health["quarantined"] else rule.level_for(health["oldest_unacknowledged_seconds"] / 60)
    with translation.override(settings.LANGUAGE_CODE):
        detail = _("%(waiting)s unacknowledged (the oldest for %(minutes)s min), %(quarantined)s quarantined") % {
            "waiting": health["unacknowledged"],
            "minutes": health["oldest_unacknowledged_seconds"] // 60,
            "quarantined": health["quarantined"],
        }
    findings = [Finding(LINK, level, detail=detail)] if level else []
    if peer := _peer_finding():
        findings.append(peer)
    rule_sync(code=BACKLOG_RULE, subject=Subject.EXCHANGE, findings=findings, at=now)


def exchange_once(transport=None, *, report: bool = True) -> dict[str, int]:
    """One round: ship what is due, record and acknowledge what arrived and apply it, a batch at a
    time, note the acks (shipping at once what the other zone asked for again); then (``report``)
    tell supervision how far behind the link is.

    One round at a time reads the transport: rounds started together by several commits would
    otherwise each read, check and store the same packets.
    """
    transport = transport or transport_for()
    shipped = packets_ship(transport)
    received = applied = 0
    with _alone("exchange:receive") as receiving:
        while receiving:
            batch = packets_receive(transport, limit=RECEIVE_BATCH)
            received += batch
            applied += packets_apply()
            if batch < RECEIVE_BATCH:
                break
    applied += packets_apply()
    acked, asked = acks_receive(transport)
    if asked:
        shipped += packets_ship(transport)
    if report:
        backlog_report()
    return {"shipped": shipped, "received": received, "applied": applied, "acked": acked}
