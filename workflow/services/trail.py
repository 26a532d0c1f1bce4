"""The trail's hash chain, its seals and its checkpoints: appending, checkpointing, checking.

- Each entry's ``hash`` covers its own fields and the previous entry's hash, so changing,
  removing or inserting an entry anywhere breaks every hash after it.
- Whoever can write to the database can recompute those hashes, so each entry also carries a
  ``mac``: HMAC-SHA256 of its hash under ``TRAIL_KEY``, a key the database never holds.
- Removing the newest entries, or all of them, leaves a shorter chain that is still whole, so
  every ``TRAIL_CHECKPOINT_INTERVAL`` the zone signs a checkpoint (head entry, its hash, the
  count) and sends it to the other zone, which keeps and publishes it (/public/trail/). The
  checked chain must still reach every checkpoint it is given.

Licensing and penalty cases share one chain. Appends are serialised (an advisory lock on
PostgreSQL; SQLite serialises writing transactions anyway) so two transitions on different cases
never chain to the same predecessor.
"""

import hashlib
import hmac
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from ..exchange.packets import Kind
from ..exchange.services import handles, packet_emit, sent_here
from ..models import Case, PenaltyCase, TrailCheckpoint, TrailEntry

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
# Arbitrary, fixed: the key of the advisory lock serialising appends to the chain.
TRAIL_LOCK_KEY = 7_311_2026

HASHED_FIELDS = (
    "seq",
    "case_id",
    "actor_id",
    "actor_name",
    "role",
    "action",
    "from_state",
    "to_state",
    "step_name",
    "opinion",
    "client_address",
    "at",
    "prev_hash",
)
CHECKPOINT_FIELDS = ("zone", "seq", "count", "head", "made_at")


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _keyed(data: bytes) -> str:
    return hmac.new(settings.TRAIL_KEY.encode(), data, hashlib.sha256).hexdigest()


def entry_hash(values: dict) -> str:
    fields = {name: values[name] for name in HASHED_FIELDS}
    # Hashed only when set: the entries written before penalty cases existed keep their hashes.
    if values.get("penalty_case_id") is not None:
        fields["penalty_case_id"] = values["penalty_case_id"]
    fields["at"] = _utc(values["at"])
    payload = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def entry_mac(digest: str) -> str:
    """The entry's seal: its hash covers its fields, its place and its predecessor."""
    return _keyed(b"trail-entry:" + digest.encode())


def checkpoint_payload(checkpoint: TrailCheckpoint) -> dict:
    """The checkpoint as it travels, is published and is given back to ``verify_trail``."""
    return {
        **{name: getattr(checkpoint, name) for name in CHECKPOINT_FIELDS},
        "made_at": _utc(checkpoint.made_at),
        "signature": checkpoint.signature,
    }


def checkpoint_signature(checkpoint: TrailCheckpoint) -> str:
    fields = {name: checkpoint_payload(checkpoint)[name] for name in CHECKPOINT_FIELDS}
    return _keyed(b"trail-checkpoint:" + json.dumps(fields, sort_keys=True, separators=(",", ":")).encode())


def checkpoint_genuine(checkpoint: TrailCheckpoint) -> bool:
    return hmac.compare_digest(checkpoint_signature(checkpoint), checkpoint.signature)


def checkpoint_parse(text: str) -> TrailCheckpoint:
    """A checkpoint copied from /public/trail/ or the other zone (raises ValueError if it is not one)."""
    try:
        data = json.loads(text)
        return TrailCheckpoint(
            **{name: data[name] for name in ("zone", "seq", "count", "head", "signature")},
            made_at=datetime.fromisoformat(data["made_at"]),
        )
    except (TypeError, KeyError, ValueError) as error:
        raise ValueError(f"not a trail checkpoint: {error}") from error


def _normalised(address: str | None) -> str | None:
    """The address as the database's field stores it, so the hash of the row read back matches."""
    if address and ":" in address:
        return clean_ipv6_address(address)
    return address or None


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TRAIL_LOCK_KEY])


def trail_append(
    *,
    case: Case | None = None,
    penalty_case: PenaltyCase | None = None,
    actor,
    actor_name: str = "",
    role: str,
    action: str,
    from_state: str,
    to_state: str,
    step_name: str,
    opinion: str,
    client_address: str | None,
    at: datetime | None = None,
) -> TrailEntry:
    """Write one entry at the end of the chain; call inside the transaction of the change it records.

    The entry belongs to ``case`` or to ``penalty_case``: exactly one of them.
    """
    assert (case is None) != (penalty_case is None), "a trail entry belongs to exactly one case"
    values = {
        "case_id": case.pk if case else None,
        "penalty_case_id": penalty_case.pk if penalty_case else None,
        "actor_id": actor.pk if actor else None,
        "actor_name": actor.name if actor else actor_name,
        "role": role,
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "step_name": step_name,
        "opinion": opinion,
        "client_address": _normalised(client_address),
        "at": at or timezone.now(),
    }
    entry = _chained([values])[0]
    entry.save(force_insert=True)
    return entry


def trail_append_system(rows: list[dict], *, actor_name: str, action: str) -> list[TrailEntry]:
    """One entry per case for a change the system made to many cases at once (the calendar's
    recomputation), chained in order and written in one batch; each row gives ``case``,
    ``state``, ``step_name`` and ``opinion``."""
    at = timezone.now()
    values = [
        {
            "case_id": row["case"].pk,
            "penalty_case_id": None,
            "actor_id": None,
            "actor_name": actor_name,
            "role": "",
            "action": action,
            "from_state": row["state"],
            "to_state": row["state"],
            "step_name": row["step_name"],
            "opinion": row["opinion"],
            "client_address": None,
            "at": at,
        }
        for row in rows
    ]
    return TrailEntry.objects.bulk_create(_chained(values), batch_size=2000) if values else []


def _chained(rows: list[dict]) -> list[TrailEntry]:
    """The entries for ``rows`` (every hashed field but the chain's), numbered and hashed after the last one."""
    assert transaction.get_connection().in_atomic_block, "a trail entry belongs to the change it records"
    _lock_chain()
    last = TrailEntry.objects.order_by("-seq").values("seq", "hash").first() or {"seq": 0, "hash": GENESIS}
    seq, prev_hash, entries = last["seq"], last["hash"], []
    for row in rows:
        seq += 1
        values = {**row, "seq": seq, "prev_hash": prev_hash}
        prev_hash = entry_hash(values)
        entries.append(TrailEntry(**values, hash=prev_hash, mac=entry_mac(prev_hash)))
    return entries


@dataclass(frozen=True)
class Break:
    seq: int
    # Empty when the entry is gone.
    case_number: str
    reason: str


def _missing(first: int, last: int) -> str:
    return f"entry {first} missing" if first == last else f"entries {first}–{last} missing"


@dataclass
class _Walk:
    """How far a walk along the chain got: the last good entry, and the first break if any."""

    seq: int = 0
    head: str = GENESIS
    checked: int = 0
    broken: Break | None = None


def _rows():
    return TrailEntry.objects.order_by("seq").values(
        *HASHED_FIELDS, "penalty_case_id", "hash", "mac", number=Coalesce("case__number", "penalty_case__number")
    )


def _walk(rows, walk: _Walk, anchors: dict[int, TrailCheckpoint], chunk_size: int) -> _Walk:
    """Follow the chain from where ``walk`` stands, stopping at the first entry that breaks it."""
    for row in rows.iterator(chunk_size=chunk_size):
        walk.checked += 1
        seq, number = row["seq"], row["number"]
        if seq != walk.seq + 1:
            walk.broken = Break(walk.seq + 1, "", _missing(walk.seq + 1, seq - 1))
        elif row["prev_hash"] != walk.head:
            walk.broken = Break(seq, number, "does not chain to the entry before it")
        elif entry_hash(row) != row["hash"]:
            walk.broken = Break(seq, number, "its content does not match its hash")
        elif not hmac.compare_digest(entry_mac(row["hash"]), row["mac"]):
            walk.broken = Break(seq, number, "its seal does not match (rewritten without the trail key)")
        elif (anchor := anchors.get(seq)) and (anchor.head != row["hash"] or anchor.count != seq):
            walk.broken = Break(seq, number, f"differs from the checkpoint of {_utc(anchor.made_at)}")
        if walk.broken:
            return walk
        walk.seq, walk.head = seq, row["hash"]
    return walk


def trail_verify(*, checkpoints: Iterable[TrailCheckpoint] = (), chunk_size: int = 5000) -> tuple[int, Break | None]:
    """Check the chain, the seals and the checkpoints: (entries checked, the first break or None).

    The zone's own checkpoints are read from the database; ``checkpoints`` adds copies kept
    elsewhere (/public/trail/, the other zone), which matter once the database's are gone too.
    Streams the table in chunks, so memory stays flat however long the trail is.
    """
    anchors = {}
    for anchor in [*TrailCheckpoint.objects.filter(zone=settings.PORTAL_ZONE), *checkpoints]:
        if not checkpoint_genuine(anchor):
            return 0, Break(
                anchor.seq, "", f"the checkpoint of {_utc(anchor.made_at)} is not signed with the trail key"
            )
        anchors[anchor.seq] = anchor
    walk = _walk(_rows(), _Walk(), anchors, chunk_size)
    if walk.broken is None and anchors and (last := max(anchors)) > walk.seq:
        made = _utc(anchors[last].made_at)
        missing = f"{_missing(walk.seq + 1, last)}: the checkpoint of {made} counted {anchors[last].count}"
        walk.broken = Break(walk.seq + 1, "", missing)
        walk.checked += 1
    return walk.checked, walk.broken


@transaction.atomic
def trail_checkpoint_make() -> TrailCheckpoint | None:
    """Sign where this zone's trail stands and send it to the other zone; nothing when it has not
    grown since the last checkpoint, or when the entries since then do not check (logged: a
    checkpoint must never vouch for a forgery)."""
    zone = settings.PORTAL_ZONE
    _lock_chain()
    # A checkpoint planted without the key (the application role may INSERT) must not become the
    # base of the next one: verify_trail reports it, and checkpoints go on from the genuine ones.
    last = next(
        (
            checkpoint
            for checkpoint in TrailCheckpoint.objects.filter(zone=zone).order_by("-seq").iterator(chunk_size=100)
            if checkpoint_genuine(checkpoint)
        ),
        None,
    )
    start = _Walk(last.seq, last.head) if last else _Walk()
    walk = _walk(_rows().filter(seq__gt=start.seq), start, {}, chunk_size=5000)
    if walk.broken:
        logger.error("trail_checkpoint_refused zone=%s seq=%s reason=%s", zone, walk.broken.seq, walk.broken.reason)
        return None
    if walk.checked == 0:
        return None
    checkpoint = TrailCheckpoint(zone=zone, seq=walk.seq, count=walk.seq, head=walk.head, made_at=timezone.now())
    checkpoint.signature = checkpoint_signature(checkpoint)
    checkpoint.save()
    packet_emit(kind=Kind.TRAIL_CHECKPOINT, stream=f"trail:{zone}", payload=checkpoint_payload(checkpoint))
    logger.info("trail_checkpoint zone=%s seq=%s", zone, checkpoint.seq)
    return checkpoint


@handles(Kind.TRAIL_CHECKPOINT)
def trail_checkpoint_apply(packet) -> None:
    """Keep and publish the other zone's checkpoint; only that zone's key can check its signature."""
    if sent_here(packet):
        return
    payload = packet.payload
    if payload["zone"] != packet.source:
        # A zone vouching for another zone's trail would only plant a checkpoint that fails there.
        raise ValueError(f"a checkpoint of zone {payload['zone']} sent by zone {packet.source}")
    checkpoint = checkpoint_parse(json.dumps(payload))
    TrailCheckpoint.objects.get_or_create(
        zone=checkpoint.zone,
        seq=checkpoint.seq,
        defaults={name: getattr(checkpoint, name) for name in ("count", "head", "made_at", "signature")},
    )
