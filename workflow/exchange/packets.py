"""Exchange packets: signed, versioned JSON envelopes, and how they are checked on arrival.

On the wire a packet is one JSON document: ``{"packet": envelope, "signature": hex, "files":
{sha256: base64}}``. The signature is HMAC-SHA256 under ``EXCHANGE_KEY`` of the envelope's
canonical form (keys sorted, no spaces, UTF-8), so it survives any re-serialisation; the files
are the attachments' bytes, each named in the envelope by its SHA-256 and checked against it.
Payloads hold strings, integers, booleans, lists and objects only (no floats: amounts travel as
decimal strings), which keeps the canonical form exact.

Anything that fails a check raises ``Quarantined`` with the reason an administrator will read.
"""

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import jsonschema
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

VERSION = 1


class Kind(models.TextChoices):
    # Outside → inside.
    APPLICATION_SUBMITTED = "application.submitted", _("application submitted")
    APPLICATION_SUPPLEMENTED = "application.supplemented", _("materials supplemented")
    APPLICATION_RESUBMITTED = "application.resubmitted", _("application resubmitted")
    APPLICATION_WITHDRAWN = "application.withdrawn", _("application withdrawn")
    COMPLAINT_FILED = "complaint.filed", _("complaint filed")
    EVALUATION_FILED = "evaluation.filed", _("evaluation filed")
    EXCHANGE_HEALTH = "exchange.health", _("exchange health of the external zone")
    # Inside → outside.
    CASE_STATUS = "case.status", _("case status")
    CASE_REPLY = "case.reply", _("reply and result documents")
    CATALOGUE_PUBLISHED = "catalogue.published", _("catalogue item published")
    PENALTY_PUBLISHED = "penalty.published", _("penalty decision published")
    COMPLAINT_ANSWERED = "complaint.answered", _("complaint answered")
    EVALUATION_ANSWERED = "evaluation.answered", _("return visit and rectification")
    RANKING_PUBLISHED = "ranking.published", _("monthly ranking published")
    # Both ways: each zone's signed trail checkpoint, kept and published by the other.
    TRAIL_CHECKPOINT = "trail.checkpoint", _("trail checkpoint")


SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
TEXT = {"type": "string", "maxLength": 2000}
MOMENT = {"type": "string", "format": "date-time"}
AMOUNT = {"type": "string", "pattern": r"^\d{1,12}(\.\d{1,2})?$"}
COUNT = {"type": "integer", "minimum": 0}


class Reason(models.TextChoices):
    """Why a packet was quarantined, as a code that can be counted and reported to the other zone."""

    NOT_A_PACKET = "not_a_packet", _("not a packet")
    SIGNATURE = "signature", _("bad signature")
    VERSION = "version", _("unknown version")
    ENVELOPE = "envelope", _("invalid envelope")
    KIND = "kind", _("unknown kind")
    PAYLOAD = "payload", _("invalid payload")
    ATTACHMENT = "attachment", _("attachment does not match")
    HANDLER = "handler", _("could not be applied")


REASONS = Reason.values


def _obj(required: dict, optional: dict | None = None) -> dict:
    return {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": sorted(required),
        "additionalProperties": False,
    }


APPLICANT = _obj(
    {"name": {"type": "string", "minLength": 1, "maxLength": 100}, "id_number": TEXT, "mobile": TEXT},
    {"email": TEXT, "address": TEXT},
)
NULLABLE_MOMENT = {"anyOf": [MOMENT, {"type": "null"}]}
# A material is named by its position in the item's version (the same in both zones' catalogues).
MATERIALS = {
    "type": "array",
    "items": _obj({"material": {"type": ["integer", "null"]}, "file": SHA256, "filename": TEXT}),
}
DOCUMENTS = {"type": "array", "items": _obj({"kind": TEXT, "file": SHA256, "filename": TEXT})}
# What the applicant did outside, as the internal zone replays it.
APPLICANT_ACTION = _obj({"materials": MATERIALS, "note": TEXT, "at": MOMENT}, {"client_address": TEXT})
# The public state of a case after a transition inside (see workflow/services/case_packets.py).
CASE_FIELDS = _obj(
    {
        "step": {"type": ["integer", "null"]},
        "step_started_at": NULLABLE_MOMENT,
        "step_deadline_at": NULLABLE_MOMENT,
        "accepted_at": NULLABLE_MOMENT,
        "deadline_at": NULLABLE_MOMENT,
        "time_limit_days": {"type": "integer", "minimum": 0},
        "decided_at": NULLABLE_MOMENT,
        "concluded_at": NULLABLE_MOMENT,
        "refused_at": NULLABLE_MOMENT,
        "fee_charged": {"anyOf": [AMOUNT, {"type": "null"}]},
        "decision": TEXT,
        "refusal_reason": TEXT,
        "refusal_basis": TEXT,
        "return_count": {"type": "integer", "minimum": 0},
        "supplement_count": {"type": "integer", "minimum": 0},
    }
)
PAUSES = {
    "type": "array",
    "items": _obj(
        {"kind": TEXT, "started_at": MOMENT, "ended_at": NULLABLE_MOMENT, "days": {"type": "integer"}, "reason": TEXT}
    ),
}
SUPPLEMENT = {
    "anyOf": [
        _obj({"note": TEXT, "requested_at": MOMENT, "materials": {"type": "array", "items": {"type": "integer"}}}),
        {"type": "null"},
    ]
}
TIMELINE = {
    "type": "array",
    "items": _obj(
        {
            "actor_name": TEXT,
            "role": TEXT,
            "action": TEXT,
            "from_state": TEXT,
            "to_state": TEXT,
            "step_name": TEXT,
            "opinion": {"type": "string"},
            "at": MOMENT,
        }
    ),
}
NOTIFICATIONS = {"type": "array", "items": _obj({"kind": TEXT, "text": TEXT})}

# The payload of each kind: what the receiving zone may rely on, checked before anything is applied.
SCHEMAS = {
    Kind.APPLICATION_SUBMITTED: _obj(
        {
            "item": TEXT,
            "version": {"type": "integer", "minimum": 1},
            "query_code": {"type": "string", "pattern": "^[A-Z2-9]{8}$"},
            "account": TEXT,
            "applicant": APPLICANT,
            "materials": MATERIALS,
            "submitted_at": MOMENT,
        },
        {"description": TEXT, "client_address": TEXT},
    ),
    Kind.APPLICATION_SUPPLEMENTED: APPLICANT_ACTION,
    Kind.APPLICATION_RESUBMITTED: APPLICANT_ACTION,
    Kind.APPLICATION_WITHDRAWN: _obj({"reason": TEXT, "at": MOMENT}, {"client_address": TEXT}),
    # A web complaint (supervision/exchange.py); ``account`` creates the complainant inside if unknown.
    Kind.COMPLAINT_FILED: _obj(
        {
            "number": TEXT,
            "about": {"enum": ["case", "department", "window"]},
            "account": _obj({"username": TEXT, "name": TEXT, "mobile": TEXT, "id_number": TEXT}),
            "complainant_name": TEXT,
            "complainant_mobile": TEXT,
            "department": TEXT,
            "window": TEXT,
            "content": {"type": "string", "minLength": 1},
            "filed_at": MOMENT,
            "due_at": MOMENT,
        },
        {"case": TEXT},
    ),
    Kind.EVALUATION_FILED: _obj(
        {
            "rating": {"type": "string", "format": "uuid"},
            "case": TEXT,
            "account": TEXT,
            "grade": {"type": "integer", "minimum": 1, "maximum": 5},
            "comment": {"type": "string"},
            "follow_up": {"type": "boolean"},
            "rated_at": MOMENT,
        }
    ),
    Kind.CASE_STATUS: _obj(
        {
            "number": TEXT,
            "state": TEXT,
            "case": CASE_FIELDS,
            "pauses": PAUSES,
            "supplement": SUPPLEMENT,
            "timeline": TIMELINE,
            "notifications": NOTIFICATIONS,
        }
    ),
    Kind.CASE_REPLY: _obj({"number": TEXT, "opinion": TEXT, "documents": DOCUMENTS}),
    # One item version as the public sees it (powers.services._catalogue_payload); steps and
    # materials keep their positions, by which cases name them.
    Kind.CATALOGUE_PUBLISHED: _obj(
        {
            "code": {"type": "string", "minLength": 1, "maxLength": 80},
            "version": {"type": "integer", "minimum": 1},
            "status": {"enum": ["published", "abolished"]},
            "department": _obj(
                {
                    "code": {"type": "string", "minLength": 1, "maxLength": 32},
                    "name": {"type": "string", "minLength": 1, "maxLength": 100},
                    "kind": {"type": "string", "maxLength": 20},
                }
            ),
            "item": _obj(
                {
                    "name": {"type": "string", "minLength": 1, "maxLength": 200},
                    "category": {"type": "string", "maxLength": 2},
                    "legal_basis": {"type": "string", "minLength": 1},
                    "conditions": {"type": "string"},
                    "legal_days": {"type": "integer", "minimum": 0},
                    "promised_days": {"type": "integer", "minimum": 0},
                    "extension_days": {"type": "integer", "minimum": 0},
                    "is_immediate": {"type": "boolean"},
                    "fee_standard": {"type": "string"},
                    "fee_basis": {"type": "string"},
                    "rights": {"type": "string"},
                    "complaint_channel": {"type": "string"},
                    "cleanup_status": {"type": "string", "maxLength": 10},
                    "merged_into": {"type": "string", "maxLength": 80},
                    "published_at": {"anyOf": [MOMENT, {"type": "null"}]},
                }
            ),
            "steps": {
                "type": "array",
                "items": _obj(
                    {
                        "position": {"type": "integer", "minimum": 0},
                        "name": {"type": "string", "minLength": 1, "maxLength": 100},
                        "role": {"type": "string", "maxLength": 20},
                        "days_limit": {"type": "integer", "minimum": 0},
                    }
                ),
            },
            "materials": {
                "type": "array",
                "items": _obj(
                    {
                        "position": {"type": "integer", "minimum": 0},
                        "name": {"type": "string", "minLength": 1, "maxLength": 200},
                        "required": {"type": "boolean"},
                        "copies": {"type": "integer", "minimum": 0},
                    },
                    {"form_template": _obj({"file": SHA256, "filename": TEXT})},
                ),
            },
            "standards": {
                "type": "array",
                "items": _obj(
                    {
                        "level": {"type": "string", "maxLength": 10},
                        "circumstances": {"type": "string", "minLength": 1},
                        "amount_min": AMOUNT,
                        "amount_max": AMOUNT,
                        "other_sanctions": {"type": "string"},
                    }
                ),
            },
        }
    ),
    # The month's public ranking (supervision/services/scores.py): what /public/rankings/ shows.
    Kind.RANKING_PUBLISHED: _obj(
        {
            "month": {"type": "string", "format": "date"},
            "computed_at": MOMENT,
            "scores": {
                "type": "array",
                "items": _obj(
                    {
                        "department": _obj({"code": TEXT, "name": TEXT, "kind": TEXT}),
                        "score": {"type": "string", "pattern": r"^-?\d{1,4}(\.\d{1,2})?$"},
                        "rank": {"type": ["integer", "null"], "minimum": 1},
                        "concluded": {"type": "integer", "minimum": 0},
                        "on_time": {"type": "integer", "minimum": 0},
                    }
                ),
            },
        }
    ),
    # A zone's trail checkpoint (workflow/services/trail.py), signed with that zone's TRAIL_KEY.
    Kind.TRAIL_CHECKPOINT: _obj(
        {
            "zone": {"enum": ["external", "internal", "single"]},
            "seq": {"type": "integer", "minimum": 1},
            "count": {"type": "integer", "minimum": 1},
            "head": SHA256,
            "made_at": MOMENT,
            "signature": SHA256,
        }
    ),
    Kind.PENALTY_PUBLISHED: _obj({"number": TEXT, "decision": {"type": "object"}}),
    # Counts and reasons only: a quarantined packet's payload never leaves the zone that holds it.
    Kind.EXCHANGE_HEALTH: _obj(
        {
            "reported_at": MOMENT,
            "unacknowledged": COUNT,
            "oldest_unacknowledged_seconds": COUNT,
            "pending": COUNT,
            "quarantined": _obj({reason: COUNT for reason in REASONS}),
        }
    ),
    Kind.COMPLAINT_ANSWERED: _obj(
        {
            "number": TEXT,
            "state": {"enum": ["answered", "judged"]},
            "answer": {"type": "string", "minLength": 1},
            "answered_at": MOMENT,
            "upheld": {"type": ["boolean", "null"]},
            "judged_at": {"type": ["string", "null"], "format": "date-time"},
        }
    ),
    Kind.EVALUATION_ANSWERED: _obj(
        {
            "rating": {"type": "string", "format": "uuid"},
            "return_visit": {"type": "string"},
            "return_visit_at": {"type": ["string", "null"], "format": "date-time"},
            "rectification": {"type": "string"},
            "rectified_at": {"type": ["string", "null"], "format": "date-time"},
        }
    ),
}

ENVELOPE = _obj(
    {
        "v": {"type": "integer"},
        "id": {"type": "string", "format": "uuid"},
        "kind": {"type": "string"},
        "created_at": MOMENT,
        "source": {"enum": ["external", "internal", "single"]},
        "stream": {"type": "string", "minLength": 1, "maxLength": 60},
        "seq": {"type": "integer", "minimum": 1},
        "payload": {"type": "object"},
        "attachments": {
            "type": "array",
            "items": _obj({"name": TEXT, "sha256": SHA256, "size": {"type": "integer", "minimum": 0}}),
        },
    }
)
WIRE = _obj({"packet": {"type": "object"}, "signature": {"type": "string"}, "files": {"type": "object"}})
FORMATS = jsonschema.FormatChecker(formats=["date", "date-time", "uuid"])


class Quarantined(Exception):
    """A packet that must not be applied; ``reason`` says why, in the administrators' language,
    and ``code`` which check it failed."""

    def __init__(self, reason: str, *, code: str = Reason.HANDLER, envelope: dict | None = None):
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.envelope = envelope or {}

    @property
    def packet_id(self) -> uuid.UUID | None:
        """The id the packet claims, when it names one (it may be forged or damaged)."""
        try:
            return uuid.UUID(str(self.envelope["id"]))
        except (KeyError, ValueError):
            return None


@dataclass(frozen=True)
class Packet:
    """A packet whose signature, schema and attachments have been checked."""

    id: uuid.UUID
    kind: str
    source: str
    stream: str
    seq: int
    created_at: datetime
    payload: dict
    attachments: list[dict]
    # The attachments' bytes by SHA-256, each checked against its hash.
    files: dict[str, bytes] = field(repr=False)


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signature(data: bytes, key: str | None = None) -> str:
    return hmac.new((key or settings.EXCHANGE_KEY).encode(), data, hashlib.sha256).hexdigest()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def moment(value: str | None) -> datetime | None:
    """A payload's moment (ISO 8601 with its offset), or None for an empty one."""
    return datetime.fromisoformat(value) if value else None


def envelope_make(*, packet_id: uuid.UUID, kind: str, stream: str, seq: int, payload: dict, attachments: list[dict]):
    """The envelope of a new packet from this zone (``attachments``: name, sha256 and size of each file)."""
    return {
        "v": VERSION,
        "id": str(packet_id),
        "kind": kind,
        "created_at": timezone.now().isoformat(),
        "source": settings.PORTAL_ZONE,
        "stream": stream,
        "seq": seq,
        "payload": payload,
        "attachments": attachments,
    }


def wire_encode(envelope: dict, files: dict[str, bytes], *, key: str | None = None) -> bytes:
    """The packet as it travels: the envelope, its signature and the attachments' bytes."""
    return canonical(
        {
            "packet": envelope,
            "signature": signature(canonical(envelope), key),
            "files": {digest: base64.b64encode(data).decode() for digest, data in files.items()},
        }
    )


def _errors(instance, schema) -> str | None:
    validator = jsonschema.Draft202012Validator(schema, format_checker=FORMATS)
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path)
    return f"{where}: {error.message}" if where else error.message


def wire_decode(data: bytes) -> Packet:
    """Check a packet from the other zone, in the order that keeps forgeries from being read further."""
    try:
        wire = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Quarantined(_("Not a packet: %(error)s") % {"error": error}, code=Reason.NOT_A_PACKET) from error
    if problem := _errors(wire, WIRE):
        raise Quarantined(_("Not a packet: %(error)s") % {"error": problem}, code=Reason.NOT_A_PACKET)
    envelope = wire["packet"]
    if not hmac.compare_digest(signature(canonical(envelope)), str(wire["signature"])):
        raise Quarantined(
            _("Bad signature: the packet was altered or signed with another key."),
            code=Reason.SIGNATURE,
            envelope=envelope,
        )
    if envelope.get("v") != VERSION:
        raise Quarantined(
            _("Unknown packet version %(version)s (this zone reads version %(ours)s).")
            % {"version": envelope.get("v"), "ours": VERSION},
            code=Reason.VERSION,
            envelope=envelope,
        )
    if problem := _errors(envelope, ENVELOPE):
        raise Quarantined(
            _("Invalid envelope: %(error)s") % {"error": problem}, code=Reason.ENVELOPE, envelope=envelope
        )
    schema = SCHEMAS.get(envelope["kind"])
    if schema is None:
        raise Quarantined(
            _("Unknown packet kind %(kind)s.") % {"kind": envelope["kind"]}, code=Reason.KIND, envelope=envelope
        )
    if problem := _errors(envelope["payload"], schema):
        raise Quarantined(_("Invalid payload: %(error)s") % {"error": problem}, code=Reason.PAYLOAD, envelope=envelope)
    files = {}
    for attachment in envelope["attachments"]:
        try:
            content = base64.b64decode(wire["files"].get(attachment["sha256"], ""), validate=True)
        except (binascii.Error, TypeError, ValueError):
            content = None
        if content is None or sha256(content) != attachment["sha256"] or len(content) != attachment["size"]:
            raise Quarantined(
                _("Attachment %(name)s does not match its SHA-256.") % {"name": attachment["name"]},
                code=Reason.ATTACHMENT,
                envelope=envelope,
            )
        files[attachment["sha256"]] = content
    return Packet(
        id=uuid.UUID(envelope["id"]),
        kind=envelope["kind"],
        source=envelope["source"],
        stream=envelope["stream"],
        seq=envelope["seq"],
        created_at=datetime.fromisoformat(envelope["created_at"]),
        payload=envelope["payload"],
        attachments=envelope["attachments"],
        files=files,
    )


def request_signature(sent_at: str, body: bytes) -> str:
    """What an HTTP request carries besides its packet: the moment it was sent, bound to the body."""
    return signature(sent_at.encode() + b"\n" + sha256(body).encode())


def acks_encode(packet_ids: list[uuid.UUID], *, resend: list[uuid.UUID] = ()) -> bytes:
    """Acknowledgements are signed too: a forged one would make the sender stop shipping a packet.

    ``resend`` is the negative part: packets that arrived damaged and were quarantined, which the
    sender is asked to ship again at once rather than at its next retry.
    """
    body = {"acks": sorted(str(packet_id) for packet_id in packet_ids)}
    if resend:
        body["resend"] = sorted(str(packet_id) for packet_id in resend)
    return canonical({**body, "signature": signature(canonical(body))})


def acks_decode(data: bytes) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """The packet ids a signed acknowledgement acknowledges and asks to be sent again; none when it
    is not one."""
    try:
        wire = json.loads(data)
        body = {"acks": list(wire["acks"])}
        if "resend" in wire:
            body["resend"] = list(wire["resend"])
        if hmac.compare_digest(signature(canonical(body)), str(wire["signature"])):
            return (
                [uuid.UUID(packet_id) for packet_id in body["acks"]],
                [uuid.UUID(packet_id) for packet_id in body.get("resend", [])],
            )
    except (ValueError, KeyError, TypeError):
        pass
    return [], []
