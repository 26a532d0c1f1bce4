"""What a zone does with a case's packet from the other (see workflow.services.case_packets).

Inside, an application from outside becomes the same case — same number, query code, materials
and first trail entry — and the applicant's later actions are replayed through the same services
a citizen uses in the single zone, so they are checked again for state and permission. Outside,
the status and reply packets bring the external copy up to date, so the citizen's pages read it
unchanged. Packets the zone sent itself (the single zone's loopback) change nothing.
"""

import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F

from portal.services import citizen_account
from powers.models import PowerItem

from ..exchange.packets import Kind, moment
from ..exchange.services import handles, sent_here
from ..models import Case, CaseDocument, Notification, Pause, SupplementRequest
from . import cases
from .case_packets import case_status_emit
from .trail import trail_append

logger = logging.getLogger(__name__)


def _file(packet, sha256: str) -> bytes:
    storage = next(file["storage"] for file in packet.files if file["sha256"] == sha256)
    with default_storage.open(storage, "rb") as stored:
        return stored.read()


def _uploads(packet, item: PowerItem) -> list[cases.Upload]:
    """The materials that came with the packet, as the uploads a citizen hands in."""
    by_position = {material.position: material for material in item.materials.all()}
    return [
        cases.Upload(
            material=by_position.get(material["material"]),
            file=SimpleUploadedFile(material["filename"], _file(packet, material["file"])),
        )
        for material in packet.payload["materials"]
    ]


# Inside: the applicant's actions ------------------------------------------------------------------


@handles(Kind.APPLICATION_SUBMITTED)
def application_submitted_apply(packet) -> None:
    if sent_here(packet):
        return
    payload, applicant = packet.payload, packet.payload["applicant"]
    item = PowerItem.objects.get(code=payload["item"], version=payload["version"])
    account = citizen_account(
        username=payload["account"],
        name=applicant["name"],
        mobile=applicant["mobile"],
        id_number=applicant["id_number"],
    )
    case = Case(
        number=packet.stream,
        query_code=payload["query_code"],
        item=item,
        department_id=item.department_id,
        applicant=account,
        applicant_name=applicant["name"],
        applicant_id_number=applicant["id_number"],
        applicant_mobile=applicant["mobile"],
        applicant_email=applicant.get("email", ""),
        applicant_address=applicant.get("address", ""),
        description=payload.get("description", ""),
        submitted_at=moment(payload["submitted_at"]),
    )
    checked = cases.check_uploads(_uploads(packet, item), [])
    cases.case_open(case, checked, client_address=payload.get("client_address"))


@handles(Kind.APPLICATION_SUPPLEMENTED)
@handles(Kind.APPLICATION_RESUBMITTED)
@handles(Kind.APPLICATION_WITHDRAWN)
def applicant_action_apply(packet) -> None:
    if sent_here(packet):
        return
    case = Case.objects.select_related("item", "applicant").get(number=packet.stream)
    payload, client_address = packet.payload, packet.payload.get("client_address")
    uploads = [] if packet.kind == Kind.APPLICATION_WITHDRAWN else _uploads(packet, case.item)
    try:
        if packet.kind == Kind.APPLICATION_WITHDRAWN:
            cases.case_withdraw(
                case=case, user=case.applicant, opinion=payload["reason"], client_address=client_address
            )
        else:
            cases.case_resubmit(
                case=case, user=case.applicant, uploads=uploads, opinion=payload["note"], client_address=client_address
            )
    except ValidationError as error:
        # A clerk acted on the case while the packet travelled (it was accepted, decided…): the
        # action no longer fits. The files are kept on the case all the same, and the external
        # copy is told where the case really is.
        logger.info("exchange_applicant_action_refused case=%s kind=%s reason=%s", case.number, packet.kind, error)
        cases.store_uploads(case, cases.check_uploads(uploads, []))
        case_status_emit(case)


# Outside: the case's public state and its documents ---------------------------------------------


def _supplement_sync(case: Case, supplement: dict | None) -> None:
    # None once answered or passed over: the copy's own request then no longer shows (the case
    # has left "supplement"), so only a new request needs writing.
    if supplement is None:
        return
    requested_at = moment(supplement["requested_at"])
    if case.supplement_requests.filter(requested_at=requested_at).exists():
        return
    request = SupplementRequest.objects.create(case=case, note=supplement["note"], requested_at=requested_at)
    request.materials.set(case.item.materials.filter(position__in=supplement["materials"]))


@handles(Kind.CASE_STATUS)
def case_status_apply(packet) -> None:
    if sent_here(packet):
        return
    payload, fields = packet.payload, packet.payload["case"]
    case = Case.objects.select_for_update().select_related("item").filter(number=payload["number"]).first()
    if case is None:
        # Filed inside (the demo's cases, say): the external zone holds copies only of the
        # applications it took in itself.
        return
    moments = {name: moment(value) for name, value in fields.items() if name.endswith("_at")}
    # ``state`` is a protected FSM field: the copy takes the state decided inside, not a transition.
    Case.objects.filter(pk=case.pk).update(
        state=payload["state"],
        step=case.item.steps.filter(position=fields["step"]).first() if fields["step"] else None,
        time_limit_days=fields["time_limit_days"],
        fee_charged=None if fields["fee_charged"] is None else Decimal(fields["fee_charged"]),
        decision=fields["decision"],
        refusal_reason=fields["refusal_reason"],
        refusal_basis=fields["refusal_basis"],
        return_count=fields["return_count"],
        supplement_count=fields["supplement_count"],
        revision=F("revision") + 1,
        **moments,
    )
    case.pauses.all().delete()
    Pause.objects.bulk_create(
        Pause(
            case=case,
            kind=pause["kind"],
            started_at=moment(pause["started_at"]),
            ended_at=moment(pause["ended_at"]),
            days=pause["days"],
            reason=pause["reason"],
        )
        for pause in payload["pauses"]
    )
    _supplement_sync(case, payload["supplement"])
    for entry in payload["timeline"]:
        trail_append(case=case, actor=None, client_address=None, **{**entry, "at": moment(entry["at"])})
    # Texted by the internal zone already: outside they are the messages on the citizen's pages.
    Notification.objects.bulk_create(
        Notification(recipient_id=case.applicant_id, case=case, kind=note["kind"], text=note["text"])
        for note in payload["notifications"]
    )


@handles(Kind.CASE_REPLY)
def case_reply_apply(packet) -> None:
    if sent_here(packet):
        return
    case = Case.objects.filter(number=packet.payload["number"]).first()
    if case is None:  # filed inside, as above
        return
    for document in packet.payload["documents"]:
        copy = CaseDocument(case=case, kind=document["kind"], sha256=document["file"])
        copy.file.save(document["filename"], ContentFile(_file(packet, document["file"])), save=False)
        copy.save()
