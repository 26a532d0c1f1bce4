"""What happens after a packet is quarantined: asked for again at once, superseded by its genuine
copy, retried or dismissed by an administrator who says why, and reported by the external zone."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from supervision.models import Alert
from tests.factories import StaffFactory, UserFactory
from workflow.exchange import services
from workflow.exchange.models import (
    InboundPacket,
    InboundState,
    OutboundPacket,
    PeerHealth,
    QuarantineAction,
    QuarantineDecision,
)
from workflow.exchange.packets import Kind, Reason, canonical, wire_encode
from workflow.exchange.selectors import exchange_health

from .conftest import withdrawal

pytestmark = pytest.mark.django_db


def _damaged(packet: OutboundPacket) -> bytes:
    wire = json.loads(services._wire(packet))
    wire["packet"]["payload"]["reason"] = "途中损坏"
    return canonical(wire)


@pytest.fixture
def operator():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def failing(monkeypatch):
    """A handler that fails until it is put right (``failing.fixed = True``)."""

    class Handler:
        fixed = False
        applied: list = []

        def __call__(self, packet):
            if not self.fixed:
                raise RuntimeError("the item is not in this zone's catalogue yet")
            self.applied.append(packet.seq)

    handler = Handler()
    monkeypatch.setitem(services.HANDLERS, Kind.APPLICATION_WITHDRAWN, handler)
    return handler


def test_a_copy_damaged_on_the_way_is_asked_for_again_and_crosses_in_the_same_round(spool_pair, applied):
    outside, inside = spool_pair
    packet = withdrawal()
    outside.outgoing.mkdir(parents=True, exist_ok=True)
    (outside.outgoing / f"{packet.pk}.packet").write_bytes(_damaged(packet))  # as the ferry delivered it
    OutboundPacket.objects.filter(pk=packet.pk).update(
        attempts=1, shipped_at=timezone.now(), next_attempt_at=timezone.now() + services.FIRST_RETRY
    )

    assert services.packets_receive(inside) == 0  # quarantined, and the sender asked for it again
    assert exchange_health()["quarantined"] == 1
    outside_round = services.exchange_once(outside, report=False)
    services.exchange_once(inside, report=False)
    services.acks_receive(outside)

    assert outside_round["shipped"] == 1  # not 2 minutes later: at once
    assert [payload["reason"] for _stream, _seq, payload in applied] == ["不再需要"]
    damaged = InboundPacket.objects.get(raw_sha256__gt="")
    assert damaged.state == InboundState.SUPERSEDED and damaged.reason_code == Reason.SIGNATURE
    assert damaged.decisions.get().action == QuarantineAction.SUPERSEDE
    assert exchange_health()["quarantined"] == 0 and exchange_health()["ok"]
    assert OutboundPacket.objects.get().acked_at is not None


def test_a_packet_damaged_every_time_goes_back_to_the_backoff(spool_pair):
    outside, inside = spool_pair
    packet = withdrawal()
    OutboundPacket.objects.filter(pk=packet.pk).update(attempts=services.RESEND_AT_ONCE)
    outside.outgoing.mkdir(parents=True, exist_ok=True)
    (outside.outgoing / f"{packet.pk}.packet").write_bytes(_damaged(packet))
    later = timezone.now() + timedelta(minutes=10)
    OutboundPacket.objects.filter(pk=packet.pk).update(next_attempt_at=later)

    services.packets_receive(inside)

    assert services.acks_receive(outside) == (0, 0)
    assert OutboundPacket.objects.get().next_attempt_at == later


def test_a_recorded_packet_whose_acknowledgement_was_lost_is_acknowledged_at_the_next_round(spool_pair, applied):
    outside, inside = spool_pair
    packet = withdrawal()
    services.packets_ship(outside)
    # A worker killed between recording the packet and writing its acknowledgement:
    data, done = next(inside.incoming())
    services.packet_receive(data)
    done()

    services.packets_receive(inside)  # the next round, with nothing new in the spool

    assert services.acks_receive(outside) == (1, 0)
    assert OutboundPacket.objects.get(pk=packet.pk).acked_at is not None
    assert InboundPacket.objects.get().acknowledged_at is not None


def test_an_administrator_retries_a_packet_whose_handler_failed_once_it_is_put_right(local, failing, operator):
    withdrawal(), withdrawal()
    services.exchange_once(local, report=False)
    stuck = InboundPacket.objects.get(state=InboundState.QUARANTINED)
    assert stuck.reason_code == Reason.HANDLER and exchange_health()["quarantined"] == 1

    failed = services.quarantine_retry(packet=stuck, actor=operator, reason="目录尚未同步，先试一次")
    assert failed.outcome.startswith("已隔离") and "catalogue" in failed.outcome
    failing.fixed = True
    decision = services.quarantine_retry(packet=stuck, actor=operator, reason="目录已同步")

    assert decision.actor == operator and decision.reason == "目录已同步" and decision.outcome == "已处理"
    assert failing.applied == [1, 2]  # and the rest of its stream after it
    assert exchange_health()["quarantined"] == 0
    assert QuarantineDecision.objects.filter(packet=stuck).count() == 2


def test_an_administrator_dismisses_a_packet_and_its_stream_goes_on(local, failing, operator):
    withdrawal()
    services.exchange_once(local, report=False)
    stuck = InboundPacket.objects.get(state=InboundState.QUARANTINED)
    failing.fixed = True

    services.quarantine_dismiss(packet=stuck, actor=operator, reason="申请人已撤回，包作废")
    withdrawal()
    services.exchange_once(local, report=False)

    assert InboundPacket.objects.get(pk=stuck.pk).state == InboundState.DISMISSED
    assert failing.applied == [2]
    assert exchange_health()["quarantined"] == 0 and exchange_health()["ok"]


def test_a_decision_needs_a_reason_and_a_quarantined_packet(local, failing, operator):
    withdrawal()
    services.exchange_once(local, report=False)
    stuck = InboundPacket.objects.get(state=InboundState.QUARANTINED)

    with pytest.raises(ValidationError, match="原因"):
        services.quarantine_dismiss(packet=stuck, actor=operator, reason="  ")
    services.quarantine_dismiss(packet=stuck, actor=operator, reason="作废")
    with pytest.raises(ValidationError, match="不再处于隔离"):
        services.quarantine_retry(packet=stuck, actor=operator, reason="再试")
    assert QuarantineDecision.objects.count() == 1


def test_a_packet_signed_with_a_wrong_key_is_applied_when_retried_after_the_keys_are_put_right(
    settings, applied, operator
):
    packet = withdrawal()
    wrong_key = wire_encode(packet.envelope, {}, key="the-old-key")
    stuck = services.packet_receive(wrong_key)
    assert stuck.state == InboundState.QUARANTINED

    settings.EXCHANGE_KEY = "the-old-key"  # the operator finds the zones disagreed on the key
    services.quarantine_retry(packet=stuck, actor=operator, reason="外网区密钥未更新")

    assert InboundPacket.objects.get(pk=stuck.pk).state == InboundState.SUPERSEDED
    assert InboundPacket.objects.get(packet_id=packet.pk, raw_sha256="").state == InboundState.APPLIED
    assert len(applied) == 1


def test_the_admin_retries_and_dismisses_with_a_reason_and_only_for_those_allowed(client, local, failing):
    withdrawal()
    services.exchange_once(local, report=False)
    stuck = InboundPacket.objects.get(state=InboundState.QUARANTINED)
    url = "/admin/exchange/inboundpacket/"
    form = {"action": "dismiss", "_selected_action": [stuck.pk], "reason": ""}

    client.force_login(StaffFactory(is_staff=True, role="inspector"))
    assert client.post(url, {**form, "reason": "无权"}).status_code in (302, 403)
    assert InboundPacket.objects.get(pk=stuck.pk).state == InboundState.QUARANTINED

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    refused = client.post(url, form, follow=True)
    assert "原因" in refused.content.decode()
    assert InboundPacket.objects.get(pk=stuck.pk).state == InboundState.QUARANTINED
    client.post(url, {**form, "reason": "重复的测试包"})
    assert InboundPacket.objects.get(pk=stuck.pk).state == InboundState.DISMISSED
    assert QuarantineDecision.objects.get().reason == "重复的测试包"
    assert "重复的测试包" in client.get(f"{url}{stuck.pk}/change/").content.decode()


def test_the_command_lists_shows_retries_and_dismisses(local, failing, operator):
    withdrawal()
    services.exchange_once(local, report=False)
    stuck = InboundPacket.objects.get(state=InboundState.QUARANTINED)

    def run(*args) -> str:
        out = StringIO()
        call_command("exchange", "--quarantine", *args, stdout=out)
        return out.getvalue()

    assert f"{stuck.pk}\t" in run("list") and "handler" in run("list")
    assert "reason:" in run("show", str(stuck.pk))
    with pytest.raises(CommandError, match="--by"):
        run("dismiss", str(stuck.pk), "--reason", "x")
    with pytest.raises(CommandError, match="原因"):
        run("dismiss", str(stuck.pk), "--by", operator.username)
    failing.fixed = True
    assert "已处理" in run("retry", str(stuck.pk), "--reason", "已修复", "--by", operator.username)
    assert run("list") == ""
    assert f"retry by {operator.username}: 已修复" in run("show", str(stuck.pk))


def test_the_external_zones_quarantine_reaches_the_inspectors_without_its_payload(settings, local, client):
    settings.PORTAL_ZONE = settings.ZONE_EXTERNAL
    bad = json.loads(services._wire(withdrawal(reason="张三的私事")))
    bad["signature"] = "0" * 64
    services.packet_receive(canonical(bad))
    services.backlog_report()
    report = OutboundPacket.objects.get(kind=Kind.EXCHANGE_HEALTH)
    assert "张三" not in json.dumps(report.envelope)
    assert report.envelope["payload"]["quarantined"]["signature"] == 1
    services.backlog_report()
    assert OutboundPacket.objects.filter(kind=Kind.EXCHANGE_HEALTH).count() == 1  # unchanged: not sent again

    settings.PORTAL_ZONE = settings.ZONE_INTERNAL  # the internal zone receives and applies it
    InboundPacket.objects.all().delete()
    local.send(report.pk, services._wire(report))
    services.packets_receive(local)
    services.packets_apply()
    services.backlog_report()

    peer = PeerHealth.objects.get()
    assert peer.zone == "external" and peer.quarantined == {"signature": 1}
    alert = Alert.objects.get(rule__code="X1", subject_id=services.PEER_INBOX)
    assert alert.level == "red" and "签名" in alert.detail
    client.force_login(StaffFactory(role="inspector"))
    board = client.get("/supervision/").content.decode()
    assert "外网区：1" in board
