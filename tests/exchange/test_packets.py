"""Packets on their own: signing, the checks on arrival and the reasons given (no database)."""

import base64
import json
import uuid

import pytest
from django.utils import translation

from workflow.exchange.packets import (
    Kind,
    Quarantined,
    acks_decode,
    acks_encode,
    canonical,
    envelope_make,
    sha256,
    signature,
    wire_decode,
    wire_encode,
)

PDF = b"%PDF-1.4 a result document"


@pytest.fixture(autouse=True)
def site_language():
    """Reasons are read by administrators in the site's language (the services store them in it)."""
    with translation.override("zh-hans"):
        yield


def _envelope(**changes):
    envelope = envelope_make(
        packet_id=uuid.uuid4(),
        kind=Kind.APPLICATION_WITHDRAWN,
        stream="EX-20261123-000001",
        seq=1,
        payload={"reason": "不再需要", "at": "2026-11-23T10:00:00+08:00"},
        attachments=[],
    )
    return {**envelope, **changes}


def _reply():
    return _envelope(
        kind=Kind.CASE_REPLY,
        payload={
            "number": "SP-20261123-000001",
            "opinion": "准予许可",
            "documents": [{"kind": "conclusion", "file": sha256(PDF), "filename": "办结通知书.pdf"}],
        },
        attachments=[{"name": "办结通知书.pdf", "sha256": sha256(PDF), "size": len(PDF)}],
    )


def _reason(data: bytes) -> str:
    with pytest.raises(Quarantined) as caught:
        wire_decode(data)
    return caught.value.reason


def test_a_packet_survives_the_trip_with_its_attachment():
    envelope = _reply()

    packet = wire_decode(wire_encode(envelope, {sha256(PDF): PDF}))

    assert (packet.kind, packet.stream, packet.seq) == (Kind.CASE_REPLY, envelope["stream"], 1)
    assert packet.id == uuid.UUID(envelope["id"])
    assert packet.payload["opinion"] == "准予许可"
    assert packet.files == {sha256(PDF): PDF}


def test_the_signature_does_not_depend_on_how_the_json_was_written():
    envelope = _envelope()
    wire = json.loads(wire_encode(envelope, {}))
    spaced = json.dumps(wire, indent=2, ensure_ascii=True).encode()

    assert wire_decode(spaced).id == uuid.UUID(envelope["id"])


def test_a_tampered_payload_is_quarantined_for_its_signature():
    wire = json.loads(wire_encode(_envelope(), {}))
    wire["packet"]["payload"]["reason"] = "被篡改"

    assert "签名不符" in _reason(canonical(wire))


def test_a_packet_signed_with_another_key_is_quarantined():
    assert "签名不符" in _reason(wire_encode(_envelope(), {}, key="not-our-key"))


def test_an_attachment_whose_bytes_do_not_match_its_hash_is_quarantined():
    wire = json.loads(wire_encode(_reply(), {sha256(PDF): PDF}))
    wire["files"][sha256(PDF)] = base64.b64encode(b"%PDF-1.4 another document").decode()

    assert "办结通知书.pdf" in _reason(canonical(wire))
    assert "SHA-256" in _reason(canonical(wire))


def test_a_missing_attachment_is_quarantined():
    assert "SHA-256" in _reason(wire_encode(_reply(), {}))


def test_an_unknown_version_is_quarantined_with_both_versions():
    reason = _reason(wire_encode(_envelope(v=2), {}))

    assert "2" in reason and "1" in reason


def test_an_unknown_kind_is_quarantined():
    assert "application.cancelled" in _reason(wire_encode(_envelope(kind="application.cancelled"), {}))


def test_a_payload_that_breaks_its_kind_s_schema_is_quarantined_with_the_field():
    reason = _reason(wire_encode(_envelope(payload={"reason": "不再需要"}), {}))

    assert "数据内容无效" in reason and "'at'" in reason


def test_a_payload_with_a_malformed_moment_is_quarantined():
    reason = _reason(wire_encode(_envelope(payload={"reason": "x", "at": "yesterday"}), {}))

    assert "at:" in reason and "date-time" in reason


def test_an_envelope_without_its_sequence_number_is_quarantined():
    envelope = _envelope()
    del envelope["seq"]

    assert "数据包信封无效" in _reason(wire_encode(envelope, {}))


@pytest.mark.parametrize("data", [b"", b"not json", b"[1, 2]", b'{"packet": {}}', b"\xff\xfe"])
def test_what_is_not_a_packet_is_quarantined(data):
    assert _reason(data)


def test_acknowledgements_are_signed():
    ids, damaged = [uuid.uuid4(), uuid.uuid4()], [uuid.uuid4()]
    data = acks_encode(ids, resend=damaged)
    forged = json.loads(data)
    forged["acks"].append(str(uuid.uuid4()))
    asking_more = json.loads(data)
    asking_more["resend"].append(str(ids[0]))

    assert acks_decode(data) == (sorted(ids), damaged)
    assert acks_decode(acks_encode(ids)) == (sorted(ids), [])
    assert acks_decode(canonical(forged)) == ([], [])
    assert acks_decode(canonical(asking_more)) == ([], [])
    assert acks_decode(b"garbage") == ([], [])


def test_the_signature_is_hmac_sha256_of_the_canonical_envelope():
    envelope = _envelope()
    wire = json.loads(wire_encode(envelope, {}))

    assert wire["signature"] == signature(canonical(envelope))
    assert len(wire["signature"]) == 64
