"""What a case sends to the other zone (DESIGN.md §2: accept outside, process inside, reply outside).

Outside, what the applicant does is stored first and sent in: ``application.submitted`` with the
materials, then ``application.supplemented`` / ``resubmitted`` / ``withdrawn``. Inside, every
transition sends the case's public state back out as ``case.status`` — its fields, pauses, open
supplement request, the new trail entries and the applicant's notifications — followed by
``case.reply`` with the documents it issued. Each case is one stream, named by its number, so the
other zone applies its packets in the order they were written. workflow.services.case_handlers
applies them on arrival.

The single zone does both through its own loopback, where the handlers find everything there.
"""

import functools
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from portal.zones import serves_internal

from ..exchange.packets import Kind
from ..exchange.services import packet_emit
from ..models import Attachment, Case, Notification

# The applicant's own actions are written outside first; the status packet does not echo them.
APPLICANT_ACTIONS = frozenset({"submit", "resubmit", "withdraw"})


def _moment(value) -> str | None:
    return value.isoformat() if value else None


def _materials(attachments: list[Attachment]) -> tuple[list[dict], list[tuple[str, str]]]:
    """The payload's list of materials and the packet's files, for the attachments just stored."""
    materials = [
        {
            "material": attachment.material.position if attachment.material else None,
            "file": attachment.sha256,
            "filename": attachment.name,
        }
        for attachment in attachments
    ]
    return materials, [(attachment.name, attachment.file.name) for attachment in attachments]


# Outside → inside ---------------------------------------------------------------------------------


def application_submitted_emit(case: Case, attachments: list[Attachment], *, client_address: str | None) -> None:
    materials, files = _materials(attachments)
    payload = {
        "item": case.item.code,
        "version": case.item.version,
        "query_code": case.query_code,
        "account": case.applicant.username,
        "applicant": {
            "name": case.applicant_name,
            "id_number": case.applicant_id_number,
            "mobile": case.applicant_mobile,
            "email": case.applicant_email,
            "address": case.applicant_address,
        },
        "description": case.description,
        "materials": materials,
        "submitted_at": _moment(case.submitted_at),
    }
    if client_address:
        payload["client_address"] = client_address
    packet_emit(kind=Kind.APPLICATION_SUBMITTED, stream=case.number, payload=payload, files=files)


def applicant_action_emit(
    case: Case, kind: str, *, note: str, attachments: list[Attachment] = (), client_address: str | None
) -> None:
    """A supplement, a corrected application or a withdrawal, as the applicant made it outside."""
    materials, files = _materials(attachments)
    payload = {"at": _moment(timezone.now())}
    if kind == Kind.APPLICATION_WITHDRAWN:
        payload["reason"] = note
    else:
        payload.update(materials=materials, note=note)
    if client_address:
        payload["client_address"] = client_address
    packet_emit(kind=kind, stream=case.number, payload=payload, files=files)


# Inside → outside ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Marks:
    """Where the case's trail, notifications and documents stood before a transition."""

    trail: int
    notification: int
    document: int

    @classmethod
    def of(cls, case: Case) -> "Marks":
        return cls(
            trail=case.trail.aggregate(last=Max("seq"))["last"] or 0,
            notification=Notification.objects.filter(case=case).aggregate(last=Max("pk"))["last"] or 0,
            document=case.documents.aggregate(last=Max("pk"))["last"] or 0,
        )


def case_status_emit(case: Case, since: Marks | None = None) -> None:
    """The case's public state for the external zone, with what was written since ``since``."""
    case = Case.objects.select_related("step").get(pk=case.pk)
    entries = notifications = documents = []
    if since is not None:
        entries = case.trail.filter(seq__gt=since.trail).exclude(action__in=APPLICANT_ACTIONS).order_by("seq")
        notifications = case.notifications.filter(pk__gt=since.notification).order_by("pk")
        documents = list(case.documents.filter(pk__gt=since.document).order_by("pk"))
    supplement = case.supplement_requests.filter(answered_at__isnull=True).prefetch_related("materials").last()
    packet_emit(
        kind=Kind.CASE_STATUS,
        stream=case.number,
        payload={
            "number": case.number,
            "state": case.state,
            "case": {
                "step": case.step.position if case.step else None,
                "step_started_at": _moment(case.step_started_at),
                "step_deadline_at": _moment(case.step_deadline_at),
                "accepted_at": _moment(case.accepted_at),
                "deadline_at": _moment(case.deadline_at),
                "time_limit_days": case.time_limit_days,
                "decided_at": _moment(case.decided_at),
                "concluded_at": _moment(case.concluded_at),
                "refused_at": _moment(case.refused_at),
                "fee_charged": None if case.fee_charged is None else str(case.fee_charged),
                "decision": case.decision,
                "refusal_reason": case.refusal_reason,
                "refusal_basis": case.refusal_basis,
                "return_count": case.return_count,
                "supplement_count": case.supplement_count,
            },
            "pauses": [
                {
                    "kind": pause.kind,
                    "started_at": _moment(pause.started_at),
                    "ended_at": _moment(pause.ended_at),
                    "days": pause.days,
                    "reason": pause.reason,
                }
                for pause in case.pauses.order_by("started_at", "pk")
            ],
            "supplement": supplement
            and {
                "note": supplement.note,
                "requested_at": _moment(supplement.requested_at),
                "materials": sorted(material.position for material in supplement.materials.all()),
            },
            "timeline": [
                {
                    "actor_name": entry.actor_name,
                    "role": entry.role,
                    "action": entry.action,
                    "from_state": entry.from_state,
                    "to_state": entry.to_state,
                    "step_name": entry.step_name,
                    "opinion": entry.opinion,
                    "at": _moment(entry.at),
                }
                for entry in entries
            ],
            "notifications": [{"kind": note.kind, "text": note.text} for note in notifications],
        },
    )
    if documents:
        packet_emit(
            kind=Kind.CASE_REPLY,
            stream=case.number,
            payload={
                "number": case.number,
                "opinion": case.decision or case.refusal_reason,
                "documents": [
                    {"kind": document.kind, "file": document.sha256, "filename": document.file.name.rsplit("/")[-1]}
                    for document in documents
                ],
            },
            files=[(document.file.name.rsplit("/")[-1], document.file.name) for document in documents],
        )


def published(service):
    """Run a case's service in one transaction; where cases are processed (internal, single), send
    the case's public state out afterwards, with the entries, notifications and documents it wrote."""

    @functools.wraps(service)
    def run(*, case: Case, **kwargs):
        with transaction.atomic():
            if not serves_internal():
                return service(case=case, **kwargs)
            # Locked before marking: another transition of the case committing in between would
            # otherwise have its entries sent again with this one's.
            Case.objects.select_for_update().only("pk").get(pk=case.pk)
            since = Marks.of(case)
            result = service(case=case, **kwargs)
            case_status_emit(case, since)
            return result

    return run
