"""A case's packets on one database: what each zone sends, and the handlers' edge cases.

The journey itself, between two real zones with their own databases, is tests/exchange/test_zones.py.
Here both "zones" share the test database, so a packet is made with the sending zone switched on
(its ``source``) and applied with the receiving zone switched on.
"""

import uuid

import pytest
from django.utils import timezone

from tests.workflow import conftest as workflow_fixtures
from workflow.constants import CaseState
from workflow.exchange import services
from workflow.exchange.models import InboundPacket, InboundState, OutboundPacket
from workflow.exchange.packets import Kind, envelope_make, wire_encode
from workflow.exchange.transports import LocalTransport
from workflow.models import Case, TrailEntry
from workflow.services import cases

pytestmark = pytest.mark.django_db

# The workflow tests' fixtures: an item (受理 → 审查 → 决定 → 送达), its staff, a citizen, filing.
department = workflow_fixtures.department
item = workflow_fixtures.item
staff = workflow_fixtures.staff
citizen = workflow_fixtures.citizen
file_case = workflow_fixtures.file_case


def _kinds() -> list[str]:
    return list(OutboundPacket.objects.order_by("created_at", "seq").values_list("kind", flat=True))


def _arrives(zone, kind: str, stream: str, payload: dict, *, source: str = "external") -> InboundPacket:
    """A packet from the ``source`` zone arriving in the other one, recorded and applied there."""
    zone(source)
    envelope = envelope_make(packet_id=uuid.uuid4(), kind=kind, stream=stream, seq=1, payload=payload, attachments=[])
    wire = wire_encode(envelope, {})
    zone("internal" if source == "external" else "external")
    services.packet_receive(wire)
    services.packets_apply()
    return InboundPacket.objects.get(stream=stream, kind=kind)


def _withdrawal() -> dict:
    return {"reason": "不办了", "at": timezone.now().isoformat()}


def test_outside_a_filing_and_a_withdrawal_are_sent_in_and_nothing_comes_back(zone, file_case, citizen):
    zone("external")
    case = file_case()
    cases.case_withdraw(case=case, user=citizen, opinion="不办了")

    assert _kinds() == [Kind.APPLICATION_SUBMITTED, Kind.APPLICATION_WITHDRAWN]
    submitted = OutboundPacket.objects.get(kind=Kind.APPLICATION_SUBMITTED)
    assert submitted.stream == case.number and len(submitted.files) == len(submitted.envelope["attachments"]) == 2
    assert {m["material"] for m in submitted.envelope["payload"]["materials"]} == {1, 2}  # by position
    assert submitted.envelope["payload"]["query_code"] == case.query_code


def test_inside_each_transition_sends_the_public_state_and_the_documents(zone, file_case, staff, citizen):
    zone("internal")
    case = file_case()  # filed inside (a case from outside is copied the same way): not sent out
    assert _kinds() == []

    cases.case_accept(case=case, user=staff["window_clerk"], opinion="予以受理。")

    status, reply = OutboundPacket.objects.order_by("seq")
    payload = status.envelope["payload"]
    assert (status.kind, reply.kind) == (Kind.CASE_STATUS, Kind.CASE_REPLY)
    assert payload["state"] == CaseState.ACCEPTED and payload["case"]["deadline_at"]
    assert [entry["action"] for entry in payload["timeline"]] == ["accept"]
    assert [note["kind"] for note in payload["notifications"]] == ["accepted"]
    assert [document["kind"] for document in reply.envelope["payload"]["documents"]] == ["acceptance_notice"]
    assert len(reply.files) == 1


def test_a_withdrawal_from_outside_is_replayed_inside_by_the_applicant(zone, file_case, citizen):
    zone("internal")
    case = file_case()

    packet = _arrives(
        zone, Kind.APPLICATION_WITHDRAWN, case.number, {"reason": "不办了", "at": timezone.now().isoformat()}
    )

    case.refresh_from_db()
    assert packet.state == InboundState.APPLIED
    assert case.state == CaseState.WITHDRAWN
    entry = case.trail.last()
    assert (entry.action, entry.actor, entry.opinion) == ("withdraw", citizen, "不办了")
    # The external copy is withdrawn already: the status sent back does not echo the entry.
    status = OutboundPacket.objects.get(kind=Kind.CASE_STATUS)
    assert status.envelope["payload"]["state"] == CaseState.WITHDRAWN
    assert status.envelope["payload"]["timeline"] == []


def test_a_withdrawal_too_late_leaves_the_case_and_tells_the_external_copy_where_it_is(zone, file_case, staff, citizen):
    zone("internal")
    case = file_case()
    cases.case_accept(case=case, user=staff["window_clerk"], opinion="予以受理。")
    cases.case_advance(case=case, user=staff["reviewer"], opinion="符合条件。")
    cases.case_approve(case=case, user=staff["approver"], opinion="准予许可。")
    OutboundPacket.objects.all().delete()

    packet = _arrives(
        zone, Kind.APPLICATION_WITHDRAWN, case.number, {"reason": "不办了", "at": timezone.now().isoformat()}
    )

    case.refresh_from_db()
    assert packet.state == InboundState.APPLIED  # not quarantined: the race is normal
    assert case.state == CaseState.APPROVED
    (status,) = OutboundPacket.objects.all()
    assert status.kind == Kind.CASE_STATUS and status.envelope["payload"]["state"] == CaseState.APPROVED


def test_an_application_for_an_item_this_zone_lacks_is_quarantined_not_lost(zone, citizen):
    payload = {
        "item": "XK-NOWHERE-0001",
        "version": 1,
        "query_code": "ABCDEFGH",
        "account": citizen.username,
        "applicant": {"name": "张三", "id_number": citizen.id_number, "mobile": citizen.mobile},
        "materials": [],
        "submitted_at": timezone.now().isoformat(),
    }

    packet = _arrives(zone, Kind.APPLICATION_SUBMITTED, "SP-20261124-000009", payload)

    assert packet.state == InboundState.QUARANTINED and "PowerItem" in packet.reason
    assert not Case.objects.exists()


def test_the_status_of_a_case_filed_inside_changes_nothing_outside(zone, file_case, staff):
    zone("internal")
    case = file_case()
    cases.case_accept(case=case, user=staff["window_clerk"], opinion="予以受理。")
    status = OutboundPacket.objects.get(kind=Kind.CASE_STATUS)
    Case.objects.filter(pk=case.pk).update(number="SN-elsewhere")  # the external zone never had it

    packet = _arrives(zone, Kind.CASE_STATUS, status.stream, status.envelope["payload"], source="internal")

    assert packet.state == InboundState.APPLIED


def test_the_single_zone_sends_through_its_loopback_and_changes_nothing(zone, file_case, staff, citizen):
    zone("single")
    case = file_case()
    cases.case_request_supplement(
        case=case, user=staff["window_clerk"], materials=list(case.item.materials.all()[:1]), opinion="请补充。"
    )
    entries = TrailEntry.objects.count()

    services.exchange_once(LocalTransport())

    # The supplement request's 补正告知书 goes out as a reply.
    assert _kinds() == [Kind.APPLICATION_SUBMITTED, Kind.CASE_STATUS, Kind.CASE_REPLY]
    assert InboundPacket.objects.filter(state=InboundState.APPLIED).count() == 3
    assert TrailEntry.objects.count() == entries
    case.refresh_from_db()
    assert case.state == CaseState.SUPPLEMENT and case.supplement_requests.count() == 1
    assert case.documents.count() == 1
