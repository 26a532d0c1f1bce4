"""The outbox and the inbox on the real database: once, in order, nothing lost, bad packets kept aside."""

import json
import os
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from supervision.constants import AlertState, Level
from supervision.models import Alert
from workflow.exchange import services
from workflow.exchange.models import InboundPacket, InboundState, OutboundPacket
from workflow.exchange.packets import Kind, canonical, sha256
from workflow.exchange.selectors import exchange_health
from workflow.exchange.transports import TransportError

from .conftest import withdrawal

pytestmark = pytest.mark.django_db


def _states():
    return list(InboundPacket.objects.order_by("pk").values_list("state", flat=True))


def test_a_packet_is_written_only_with_the_change_that_caused_it():
    with pytest.raises(RuntimeError), transaction.atomic():
        withdrawal()
        raise RuntimeError("the change failed")
    kept = withdrawal()

    assert list(OutboundPacket.objects.values_list("pk", flat=True)) == [kept.pk]


def test_each_stream_is_numbered_from_one():
    first, second, other = withdrawal("A"), withdrawal("A"), withdrawal("B")

    assert (first.seq, second.seq, other.seq) == (1, 2, 1)
    assert (first.envelope["stream"], second.envelope["seq"]) == ("A", 2)


def test_the_single_zone_still_goes_through_outbox_and_inbox(local, applied):
    withdrawal()

    counts = services.exchange_once(local)

    assert counts == {"shipped": 1, "received": 1, "applied": 1, "acked": 1}
    assert applied == [("EX-20261123-000001", 1, {"reason": "不再需要", "at": "2026-11-23T10:00:00+08:00"})]
    assert OutboundPacket.objects.get().acked_at is not None
    assert _states() == [InboundState.APPLIED]
    assert services.exchange_once(local) == {"shipped": 0, "received": 0, "applied": 0, "acked": 0}


def test_a_packet_delivered_twice_is_applied_once(local, applied):
    packet = withdrawal()
    wire = services._wire(packet)

    first, again = services.packet_receive(wire), services.packet_receive(wire)
    services.packets_apply()

    assert first.pk == again.pk
    assert InboundPacket.objects.count() == 1
    assert len(applied) == 1


def test_packets_out_of_order_are_applied_in_order(applied):
    wires = [services._wire(withdrawal(reason=f"第{n}次")) for n in (1, 2, 3)]

    for wire in (wires[2], wires[1]):
        services.packet_receive(wire)
    assert services.packets_apply() == 0  # 2 and 3 wait for 1
    services.packet_receive(wires[0])
    assert services.packets_apply() == 3

    assert [(seq, payload["reason"]) for _stream, seq, payload in applied] == [(1, "第1次"), (2, "第2次"), (3, "第3次")]


def test_a_tampered_packet_is_quarantined_kept_and_not_acknowledged(local, applied):
    wire = json.loads(services._wire(withdrawal()))
    wire["packet"]["payload"]["reason"] = "被篡改"
    local.send(None, canonical(wire))

    assert services.packets_receive(local) == 0
    services.packets_apply()

    quarantined = InboundPacket.objects.get()
    assert quarantined.state == InboundState.QUARANTINED
    assert "签名不符" in quarantined.reason
    assert json.loads(default_storage.open(quarantined.raw).read())["packet"]["payload"]["reason"] == "被篡改"
    assert applied == []
    assert OutboundPacket.objects.get().acked_at is None  # the sender ships it again
    assert exchange_health()["quarantined"] == 1 and not exchange_health()["ok"]


def test_the_same_bad_packet_shipped_again_is_quarantined_once():
    wire = json.loads(services._wire(withdrawal()))
    wire["signature"] = "0" * 64

    services.packet_receive(canonical(wire))
    services.packet_receive(canonical(wire))

    assert InboundPacket.objects.filter(state=InboundState.QUARANTINED).count() == 1


def test_a_forged_packet_does_not_shadow_the_genuine_one(applied):
    genuine = services._wire(withdrawal())
    forged = json.loads(genuine)
    forged["packet"]["payload"]["reason"] = "伪造"

    services.packet_receive(canonical(forged))
    services.packet_receive(genuine)
    services.packets_apply()

    # The altered copy is kept whole with its reason, but needs nobody once the genuine one is here.
    assert _states() == [InboundState.SUPERSEDED, InboundState.APPLIED]
    assert applied[0][2]["reason"] == "不再需要"
    kept = InboundPacket.objects.get(state=InboundState.SUPERSEDED)
    assert json.loads(default_storage.open(kept.raw).read())["packet"]["payload"]["reason"] == "伪造"
    assert exchange_health()["quarantined"] == 0


def test_a_wrong_attachment_hash_is_quarantined(monkeypatch):
    monkeypatch.setitem(services.HANDLERS, Kind.CASE_REPLY, lambda packet: None)
    stored = default_storage.save("results/reply.pdf", ContentFile(b"%PDF-1.4 decision"))
    packet = services.packet_emit(
        kind=Kind.CASE_REPLY,
        stream="SP-20261123-000001",
        payload={"number": "SP-20261123-000001", "opinion": "准予", "documents": []},
        files=[("办结通知书.pdf", stored)],
    )
    with default_storage.open(stored, "wb") as file:  # changed after the packet was written
        file.write(b"%PDF-1.4 another decision")

    inbound = services.packet_receive(services._wire(packet))

    assert inbound.state == InboundState.QUARANTINED
    assert "办结通知书.pdf" in inbound.reason


def test_a_packet_with_its_attachment_is_stored_in_this_zone(monkeypatch, local):
    received = []
    monkeypatch.setitem(services.HANDLERS, Kind.CASE_REPLY, received.append)
    stored = default_storage.save("results/reply.pdf", ContentFile(b"%PDF-1.4 decision"))
    services.packet_emit(
        kind=Kind.CASE_REPLY,
        stream="SP-20261123-000001",
        payload={"number": "SP-20261123-000001", "opinion": "准予", "documents": []},
        files=[("办结通知书.pdf", stored)],
    )

    services.exchange_once(local)

    (file,) = received[0].files
    assert file["sha256"] == sha256(b"%PDF-1.4 decision")
    assert default_storage.open(file["storage"]).read() == b"%PDF-1.4 decision"


def test_a_packet_that_cannot_be_applied_is_quarantined_and_holds_its_stream(monkeypatch, local):
    def refuse(packet):
        raise ValueError("事项不存在")

    monkeypatch.setitem(services.HANDLERS, Kind.APPLICATION_WITHDRAWN, refuse)
    withdrawal(), withdrawal()

    services.exchange_once(local)

    first, second = InboundPacket.objects.order_by("seq")
    assert first.state == InboundState.QUARANTINED and "事项不存在" in first.reason
    assert second.state == InboundState.PENDING  # never applied before its predecessor


def test_a_kind_this_zone_does_not_handle_is_quarantined(local, monkeypatch):
    monkeypatch.delitem(services.HANDLERS, Kind.APPLICATION_WITHDRAWN)  # a zone of an older release
    withdrawal()

    services.exchange_once(local)

    assert "application.withdrawn" in InboundPacket.objects.get().reason


def test_a_peer_out_of_reach_is_caught_up_when_it_returns(tmp_path, applied, time_machine):
    from workflow.exchange.transports import SpoolTransport

    blocked = tmp_path / "spool"
    blocked.write_text("not a directory")  # the ferry's share is gone
    outside = SpoolTransport(blocked, "external")
    withdrawal()

    assert services.packets_ship(outside) == 0
    packet = OutboundPacket.objects.get()
    assert packet.attempts == 1 and "spool" in packet.last_error
    assert services.packets_ship(outside) == 0  # not due again before its retry time

    blocked.unlink()
    time_machine.move_to(packet.next_attempt_at)
    outside, inside = SpoolTransport(blocked, "external"), SpoolTransport(blocked, "internal")
    assert services.packets_ship(outside) == 1
    assert services.packets_receive(inside) == 1
    services.packets_apply()
    assert services.acks_receive(outside) == (1, 0)
    assert OutboundPacket.objects.get().acked_at is not None and len(applied) == 1


def test_spool_files_are_renamed_into_place_and_removed_once_recorded(spool_pair, applied):
    outside, inside = spool_pair
    withdrawal()

    services.packets_ship(outside)
    names = os.listdir(outside.outgoing)
    assert len(names) == 1 and names[0].endswith(".packet")  # no temporary file left behind
    services.packets_receive(inside)

    assert os.listdir(inside.inbound) == []
    assert [name.endswith(".ack") for name in os.listdir(inside.outgoing)] == [True]


def test_a_worker_killed_after_recording_loses_nothing_and_applies_once(spool_pair, applied, monkeypatch):
    outside, inside = spool_pair
    withdrawal()
    services.packets_ship(outside)

    # The receiving worker dies after recording, before it removes the file or acknowledges.
    recorded = []
    for data, _done in inside.incoming():
        recorded.append(services.packet_receive(data))
    assert len(os.listdir(inside.inbound)) == 1

    # The next round reads the file again: recognised, acknowledged, applied once.
    assert services.packets_receive(inside) == 1
    services.packets_apply()
    assert services.acks_receive(outside) == (1, 0)
    assert InboundPacket.objects.count() == 1 and len(applied) == 1


def test_unacknowledged_packets_are_shipped_again_with_backoff(spool_pair, time_machine):
    outside, _inside = spool_pair
    withdrawal()

    services.packets_ship(outside)
    first = OutboundPacket.objects.get()
    time_machine.move_to(first.next_attempt_at)
    services.packets_ship(outside)
    second = OutboundPacket.objects.get()

    assert (first.attempts, second.attempts) == (1, 2)
    assert second.next_attempt_at - second.shipped_at == 2 * (first.next_attempt_at - first.shipped_at)


def test_health_reports_the_backlog(spool_pair, settings, time_machine):
    outside, _inside = spool_pair
    withdrawal()
    services.packets_ship(outside)

    health = exchange_health()
    assert (health["unacknowledged"], health["pending"], health["quarantined"], health["ok"]) == (1, 0, 0, True)

    time_machine.move_to(timezone.now() + settings.EXCHANGE_BACKLOG_MAX_AGE * 2)
    assert not exchange_health()["ok"]


def test_healthz_includes_the_exchange(client):
    withdrawal()

    exchange = client.get("/healthz").json()["checks"]["exchange"]

    assert exchange["unacknowledged"] == 1 and exchange["transport"] == "local"


def test_a_spool_error_is_a_transport_error(tmp_path):
    from workflow.exchange.transports import SpoolTransport

    (tmp_path / "file").write_text("x")
    with pytest.raises(TransportError):
        SpoolTransport(tmp_path / "file", "external").send("id", b"{}")


def _link_alert():
    return Alert.objects.filter(rule__code="X1", subject="exchange").open().first()


def test_a_link_whose_packets_wait_turns_yellow_then_red_and_clears_when_acknowledged(spool_pair, time_machine):
    outside, inside = spool_pair
    time_machine.move_to(timezone.now(), tick=False)
    withdrawal()
    services.packets_ship(outside)

    services.backlog_report()
    assert _link_alert() is None
    time_machine.shift(timedelta(minutes=5))
    services.backlog_report()
    yellow = _link_alert()
    assert yellow.level == Level.YELLOW and "1" in yellow.detail
    time_machine.shift(timedelta(minutes=25))
    services.backlog_report()
    assert _link_alert().pk == yellow.pk and _link_alert().level == Level.RED

    services.packets_receive(inside)
    services.acks_receive(outside)
    services.backlog_report()
    assert _link_alert() is None
    assert Alert.objects.get(pk=yellow.pk).state == AlertState.CLOSED


def test_a_quarantined_packet_makes_the_link_red_at_once():
    wire = json.loads(services._wire(withdrawal()))
    wire["signature"] = "0" * 64
    services.packet_receive(canonical(wire))

    services.backlog_report()

    assert _link_alert().level == Level.RED


def test_a_packet_still_in_the_spool_is_not_written_again(spool_pair, time_machine):
    outside, _inside = spool_pair
    time_machine.move_to(timezone.now(), tick=False)
    packet = withdrawal()
    services.packets_ship(outside)
    spooled = outside.outgoing / f"{packet.pk}.packet"
    spooled.write_bytes(b"the ferry has not carried this yet")

    time_machine.shift(services.FIRST_RETRY)
    services.packets_ship(outside)

    assert spooled.read_bytes() == b"the ferry has not carried this yet"
    assert OutboundPacket.objects.get().attempts == 2
    spooled.unlink()  # carried, and lost on the way: the next retry writes it again
    time_machine.shift(services.FIRST_RETRY * 2)
    services.packets_ship(outside)
    assert spooled.exists() and spooled.read_bytes() != b"the ferry has not carried this yet"
