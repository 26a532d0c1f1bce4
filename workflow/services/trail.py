"""The trail's hash chain: appending an entry, and checking the whole chain.

Each entry's hash covers its own fields and the previous entry's hash, so changing, removing or
inserting an entry anywhere breaks every hash after it. Licensing and penalty cases share one
chain. Appends are serialised (an advisory lock on PostgreSQL; SQLite serialises writing
transactions anyway) so two transitions on different cases never chain to the same predecessor.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from ..models import Case, PenaltyCase, TrailEntry

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


def entry_hash(values: dict) -> str:
    fields = {name: values[name] for name in HASHED_FIELDS}
    # Hashed only when set: the entries written before penalty cases existed keep their hashes.
    if values.get("penalty_case_id") is not None:
        fields["penalty_case_id"] = values["penalty_case_id"]
    fields["at"] = values["at"].astimezone(UTC).isoformat(timespec="microseconds")
    payload = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


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
        entries.append(TrailEntry(**values, hash=prev_hash))
    return entries


@dataclass(frozen=True)
class Break:
    seq: int
    case_number: str
    reason: str


def trail_verify(*, chunk_size: int = 5000) -> tuple[int, Break | None]:
    """Recompute the chain in order: (entries checked, the first broken entry or None).

    Streams the table in chunks, so memory stays flat however long the trail is.
    """
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    rows = TrailEntry.objects.order_by("seq").values(
        *HASHED_FIELDS, "penalty_case_id", "hash", number=Coalesce("case__number", "penalty_case__number")
    )
    for row in rows.iterator(chunk_size=chunk_size):
        checked += 1
        if row["seq"] != expected_seq:
            return checked, Break(row["seq"], row["number"], f"entries {expected_seq}–{row['seq'] - 1} missing")
        if row["prev_hash"] != expected_prev:
            return checked, Break(row["seq"], row["number"], "does not chain to the entry before it")
        if entry_hash(row) != row["hash"]:
            return checked, Break(row["seq"], row["number"], "its content does not match its hash")
        expected_prev, expected_seq = row["hash"], expected_seq + 1
    return checked, None
