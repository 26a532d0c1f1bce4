"""Publishing a decision: a masked copy here, and a penalty.published packet that makes it on the external zone."""

import json
from decimal import Decimal

import pytest

from tests.workflow.test_penalties_views import FACTS, inform
from workflow.exchange.models import OutboundPacket
from workflow.exchange.packets import Kind
from workflow.exchange.services import exchange_once
from workflow.exchange.transports import LocalTransport
from workflow.models import PublishedPenalty
from workflow.services import penalties as services

PERSONAL = ("李四", "110101199001011237", "13912345678")


@pytest.fixture
def decided(open_clue, enforcers):
    case = inform(open_clue(), enforcers["officer"])
    services.penalty_decide(
        case=case, user=enforcers["head"], amount=Decimal("65000"), decision="对李四没收违法所得，并处罚款。"
    )
    return case


def test_deciding_publishes_a_masked_copy(decided):
    published = PublishedPenalty.objects.get(number=decided.number)

    assert (published.party, published.id_number, published.mobile) == ("李**", "1101**********1237", "139****5678")
    assert published.facts == FACTS.replace("李四", "李**").replace("13912345678", "139****5678")
    assert (published.decision, published.amount, published.level) == (
        "对李**没收违法所得，并处罚款。",
        65000,
        "general",
    )
    assert (published.item_code, published.department) == (decided.item.code, decided.department.name)


def test_the_packet_for_the_external_zone_holds_no_personal_data(decided):
    packet = OutboundPacket.objects.get(kind=Kind.PENALTY_PUBLISHED)

    assert (packet.stream, packet.seq, packet.files) == (decided.number, 1, [])
    assert packet.envelope["payload"]["decision"]["party"] == "李**"
    wire = json.dumps(packet.envelope, ensure_ascii=False)
    assert not any(personal in wire for personal in PERSONAL)


def test_the_external_zone_makes_the_copy_from_the_packet_once(decided):
    expected = PublishedPenalty.objects.filter(number=decided.number).values().get()
    PublishedPenalty.objects.all().delete()  # as on the external zone, which has only what arrives
    transport = LocalTransport()

    assert exchange_once(transport)["applied"] == 1
    copy = PublishedPenalty.objects.filter(number=decided.number).values().get()
    assert {**copy, "id": None} == {**expected, "id": None}

    OutboundPacket.objects.update(acked_at=None, next_attempt_at=decided.decided_at)  # delivered again
    exchange_once(transport)
    assert PublishedPenalty.objects.count() == 1


def test_in_a_single_zone_the_packet_finds_the_copy_already_there(decided):
    assert exchange_once(LocalTransport())["applied"] == 1

    assert PublishedPenalty.objects.count() == 1
