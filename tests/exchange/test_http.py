"""The http transport: a packet POSTed to the peer's /exchange/packets, over a real loopback server."""

import json
import os
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from workflow.exchange import services
from workflow.exchange.models import InboundPacket, InboundState, OutboundPacket
from workflow.exchange.packets import Kind, acks_decode, canonical, request_signature
from workflow.exchange.transports import HttpTransport

from .conftest import withdrawal

URL = "/exchange/packets"


def _post(client, body: bytes, *, sent_at=None, signature=None):
    sent_at = (sent_at or timezone.now()).isoformat()
    return client.post(
        URL,
        body,
        content_type="application/json",
        headers={"X-Exchange-Sent-At": sent_at, "X-Exchange-Signature": signature or request_signature(sent_at, body)},
    )


@pytest.mark.django_db
def test_a_packet_posted_is_recorded_once_and_acknowledged(client):
    packet = withdrawal()
    wire = services._wire(packet)

    first, again = _post(client, wire), _post(client, wire)

    assert first.status_code == again.status_code == 200
    assert acks_decode(first.content) == ([packet.pk], [])
    assert InboundPacket.objects.filter(state=InboundState.PENDING).count() == 1


@pytest.mark.django_db
def test_a_request_replayed_after_its_window_is_refused_and_records_nothing(client, settings):
    wire = services._wire(withdrawal())

    response = _post(client, wire, sent_at=timezone.now() - settings.EXCHANGE_REQUEST_WINDOW - timedelta(seconds=1))

    assert response.status_code == 401
    assert not InboundPacket.objects.exists()


@pytest.mark.django_db
def test_a_request_whose_signature_does_not_match_its_body_is_refused(client):
    wire = services._wire(withdrawal())

    response = _post(client, wire, signature=request_signature(timezone.now().isoformat(), b"another body"))

    assert response.status_code == 401
    assert not InboundPacket.objects.exists()


@pytest.mark.django_db
def test_a_tampered_packet_is_answered_with_its_reason_and_quarantined(client):
    wire = json.loads(services._wire(withdrawal()))
    wire["packet"]["seq"] = 7

    response = _post(client, canonical(wire))

    assert response.status_code == 400
    assert InboundPacket.objects.get().state == InboundState.QUARANTINED


@pytest.mark.django_db
def test_the_exchange_endpoint_takes_posts_only(client):
    assert client.get(URL).status_code == 405


@pytest.mark.django_db(transaction=True)
def test_shipped_over_http_to_a_running_server_acknowledged_and_applied(live_server, applied):
    withdrawal()
    transport = HttpTransport(f"{live_server.url}/exchange/")

    counts = services.exchange_once(transport)

    assert counts == {"shipped": 1, "received": 0, "applied": 1, "acked": 1}
    assert OutboundPacket.objects.get().acked_at is not None
    assert len(applied) == 1


@pytest.mark.django_db
def test_a_peer_that_does_not_answer_leaves_the_packet_for_later():
    withdrawal()

    assert services.packets_ship(HttpTransport("http://127.0.0.1:9/exchange/")) == 0

    packet = OutboundPacket.objects.get()
    assert packet.acked_at is None and packet.attempts == 1 and "127.0.0.1:9" in packet.last_error


@pytest.mark.django_db
def test_a_packet_carrying_materials_larger_than_a_form_is_recorded(client, settings):
    """An application's materials travel in the packet (base64): well over what a form may post."""
    stored = default_storage.save("results/scan.pdf", ContentFile(b"%PDF-1.4 " + os.urandom(6 * 1024 * 1024)))
    packet = services.packet_emit(
        kind=Kind.CASE_REPLY,
        stream="SP-20261123-000001",
        payload={"number": "SP-20261123-000001", "opinion": "准予", "documents": []},
        files=[("扫描件.pdf", stored)],
    )
    wire = services._wire(packet)
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < len(wire) < settings.REQUEST_MAX_BYTES

    response = _post(client, wire)

    assert response.status_code == 200
    assert acks_decode(response.content) == ([packet.pk], [])
