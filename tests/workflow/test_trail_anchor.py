"""The trail's anchor: what an attacker with the database but without TRAIL_KEY can no longer hide.

Each attack is done as such an attacker would do it: as the table's owner, switching the
append-only trigger off first (``behind_the_trigger``), or with TRUNCATE, which the trigger does
not cover (docs/cases.md, "The trail"). ``verify_trail`` must then exit non-zero naming the
first bad entry.
"""

import json
import re
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from tests.workflow.conftest import behind_the_trigger
from workflow.exchange import services as exchange
from workflow.exchange.models import InboundPacket, InboundState, OutboundPacket
from workflow.exchange.packets import Kind, envelope_make, wire_encode
from workflow.exchange.transports import LocalTransport
from workflow.models import TrailCheckpoint, TrailEntry
from workflow.services import cases as services
from workflow.services.trail import (
    HASHED_FIELDS,
    checkpoint_payload,
    entry_hash,
    trail_checkpoint_make,
)

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger lives in PostgreSQL")


@pytest.fixture
def sealed(file_case, staff):
    """Two concluded cases (10 entries), a checkpoint after them, then one more case filed (11)."""
    for _ in range(2):
        case = file_case()
        services.case_accept(case=case, user=staff["window_clerk"], opinion="材料齐全，予以受理")
        services.case_advance(case=case, user=staff["reviewer"], opinion="符合条件")
        services.case_approve(case=case, user=staff["approver"], opinion="准予许可")
        services.case_conclude(case=case, user=staff["window_clerk"], opinion="证照已送达")
    checkpoint = trail_checkpoint_make()
    file_case()
    return checkpoint


def _verify(*checkpoints: str) -> str:
    """verify_trail's verdict: its output, or the error it exits with."""
    arguments = [f"--checkpoint={text}" for text in checkpoints]
    try:
        call_command("verify_trail", *arguments, stdout=(out := _Out()))
    except CommandError as error:
        return f"broken: {error}"
    return out.text


class _Out:
    text = ""

    def write(self, text):
        self.text += text


def _truncate(*tables: str) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Run the test transaction's deferred foreign-key checks, as a commit would have.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in tables:
            # TRUNCATE on PostgreSQL, which fires no row trigger; SQLite has no TRUNCATE.
            cursor.execute(f"{'TRUNCATE' if connection.vendor == 'postgresql' else 'DELETE FROM'} {table}")


def _rechain(from_seq: int) -> None:
    """Recompute every plain hash from ``from_seq`` on, as anyone who can write the table can."""
    prev = TrailEntry.objects.get(seq=from_seq - 1).hash if from_seq > 1 else "0" * 64
    for entry in TrailEntry.objects.filter(seq__gte=from_seq).order_by("seq"):
        values = {name: getattr(entry, name) for name in HASHED_FIELDS}
        values.update(prev_hash=prev, penalty_case_id=entry.penalty_case_id)
        prev = entry_hash(values)
        TrailEntry.objects.filter(pk=entry.pk).update(prev_hash=values["prev_hash"], hash=prev)


def _text(checkpoint: TrailCheckpoint) -> str:
    return json.dumps(checkpoint_payload(checkpoint))


def _published(client) -> list[str]:
    """The checkpoints /public/trail/ shows, as an auditor copies them."""
    html = client.get("/public/trail/").content.decode()
    return [_unescape(text) for text in re.findall(r'checkpoint-text">([^<]+)<', html)]


def _unescape(text: str) -> str:
    return text.replace("&quot;", '"').replace("&#x27;", "'").replace("&amp;", "&")


def test_the_untouched_trail_passes_against_its_checkpoint(sealed):
    assert (sealed.seq, sealed.count) == (10, 10)
    assert _verify() == "trail intact: 11 entries\n"


def test_removing_the_newest_entries_is_caught_by_the_checkpoint(sealed):
    with behind_the_trigger():
        TrailEntry.objects.filter(seq__gte=9).delete()

    assert _verify().startswith("broken: trail broken at entry #9: entries 9–10 missing")


def test_a_truncated_trail_is_caught_by_the_checkpoint(sealed):
    _truncate("workflow_trailentry")

    assert _verify().startswith("broken: trail broken at entry #1: entries 1–10 missing")


def test_a_trail_truncated_with_its_checkpoints_is_caught_by_a_published_copy(sealed, client):
    published = _published(client)
    _truncate("workflow_trailentry", "workflow_trailcheckpoint")

    # The database alone now looks like a fresh install ...
    assert _verify() == "trail intact: 0 entries\n"
    # ... but not against the checkpoint anyone could copy from the public page.
    assert _verify(*published).startswith("broken: trail broken at entry #1: entries 1–10 missing")


def test_a_rewritten_entry_with_every_later_hash_recomputed_is_caught_by_its_seal(sealed):
    entry = TrailEntry.objects.get(seq=3)
    with behind_the_trigger():
        TrailEntry.objects.filter(pk=entry.pk).update(opinion="不符合条件")
        _rechain(3)

    assert _verify().startswith(f"broken: trail broken at entry #3 (case {entry.case.number}): its seal does not match")


def test_a_removed_middle_entry_is_named(sealed):
    with behind_the_trigger():
        TrailEntry.objects.filter(seq=4).delete()

    assert _verify().startswith("broken: trail broken at entry #4: entry 4 missing")


def test_a_removed_middle_entry_with_the_rest_renumbered_and_rechained_is_caught(sealed):
    with behind_the_trigger():
        TrailEntry.objects.filter(seq=4).delete()
        for entry in TrailEntry.objects.filter(seq__gt=4).order_by("seq"):
            TrailEntry.objects.filter(pk=entry.pk).update(seq=entry.seq - 1)
        _rechain(4)

    assert re.match(r"broken: trail broken at entry #4 \(case [^)]+\): its seal does not match", _verify())


def test_an_entry_copied_with_its_seal_over_a_removed_one_is_caught(sealed):
    """Seals are not interchangeable: each binds its entry's place in the chain."""
    with behind_the_trigger():
        fifth = TrailEntry.objects.get(seq=5)
        TrailEntry.objects.filter(seq=4).update(**{name: getattr(fifth, name) for name in ("opinion", "hash", "mac")})

    assert _verify().startswith("broken: trail broken at entry #4")


def test_a_checkpoint_forged_without_the_key_is_refused(sealed):
    """An attacker who removed entries cannot sign a smaller checkpoint to match, nor a new one."""
    TrailCheckpoint.objects.create(
        zone="single", seq=11, count=11, head="f" * 64, made_at=sealed.made_at, signature="0" * 64
    )

    assert _verify().startswith("broken: trail broken at entry #11: the checkpoint of")


def test_a_forged_checkpoint_does_not_stop_the_next_genuine_one(sealed):
    forged = {"zone": "single", "seq": 50, "count": 50, "head": "f" * 64, "signature": "0" * 64}
    TrailCheckpoint.objects.create(**forged, made_at=sealed.made_at)

    assert trail_checkpoint_make().seq == 11


def test_an_entry_added_by_hand_with_a_correct_hash_is_caught_by_its_seal(sealed):
    """The application role may INSERT: what it adds without the key carries no valid seal."""
    last = TrailEntry.objects.get(seq=11)
    values = {name: getattr(last, name) for name in HASHED_FIELDS}
    values.update(seq=12, opinion="补录：已当场受理", prev_hash=last.hash, penalty_case_id=None)
    TrailEntry.objects.create(**values, hash=entry_hash(values), mac="0" * 64)

    assert _verify().startswith(f"broken: trail broken at entry #12 (case {last.case.number}): its seal does not match")


def test_a_checkpoint_is_not_made_over_a_broken_trail(sealed):
    with behind_the_trigger():
        TrailEntry.objects.filter(seq=11).update(opinion="改写")

    assert trail_checkpoint_make() is None
    assert TrailCheckpoint.objects.count() == 1


def test_a_checkpoint_is_made_only_when_the_trail_grew(sealed):
    assert trail_checkpoint_make().seq == 11
    assert trail_checkpoint_make() is None


def test_verify_trail_refuses_a_checkpoint_of_the_other_zone_or_not_one_at_all(sealed):
    other = json.dumps({**json.loads(_text(sealed)), "zone": "internal"})

    assert _verify(other) == "broken: a checkpoint of zone internal: this is zone single"
    assert _verify("{}").startswith("broken: not a trail checkpoint")
    assert _verify(json.dumps({**json.loads(_text(sealed)), "made_at": None})).startswith("broken: not a trail")


@contextmanager
def _pgtrigger_ignore():
    """pgtrigger's switch: any session may set it; its triggers skipped themselves when it was set."""
    with connection.cursor() as cursor:
        cursor.execute("SET pgtrigger.ignore = '{pgtrigger_trail_append_only_d6d4d,trail_append_only}'")
        try:
            yield
        finally:
            cursor.execute("RESET pgtrigger.ignore")


@postgresql_only
@pytest.mark.parametrize("change", ["update", "delete"])
def test_the_database_refuses_to_change_the_trail_even_with_pgtrigger_ignore_set(sealed, change):
    entries = TrailEntry.objects.filter(seq=3)

    with _pgtrigger_ignore(), pytest.raises(DatabaseError, match="trail_append_only"), transaction.atomic():
        entries.update(opinion="改写") if change == "update" else entries.delete()

    assert _verify() == "trail intact: 11 entries\n"


@postgresql_only
@pytest.mark.parametrize("change", ["update", "delete"])
def test_the_database_refuses_to_change_a_checkpoint(sealed, change):
    checkpoints = TrailCheckpoint.objects.all()

    with pytest.raises(DatabaseError, match="trail_append_only"), transaction.atomic():
        checkpoints.update(seq=3) if change == "update" else checkpoints.delete()


def test_the_single_zone_publishes_its_checkpoint_through_the_loopback(sealed, client):
    assert OutboundPacket.objects.filter(kind=Kind.TRAIL_CHECKPOINT).count() == 1

    exchange.exchange_once(LocalTransport())

    assert InboundPacket.objects.get(kind=Kind.TRAIL_CHECKPOINT).state == InboundState.APPLIED
    assert TrailCheckpoint.objects.count() == 1  # its own, not a second copy
    assert [json.loads(text) for text in _published(client)] == [checkpoint_payload(sealed)]


def test_the_internal_zones_checkpoint_reaches_the_external_zones_public_page(zone, file_case, client):
    zone("internal")
    file_case()
    made = trail_checkpoint_make()
    wire = exchange._wire(OutboundPacket.objects.get(kind=Kind.TRAIL_CHECKPOINT))
    _truncate("workflow_trailcheckpoint")  # the external zone has its own database
    zone("external")

    exchange.packet_receive(wire)
    exchange.packets_apply()

    assert InboundPacket.objects.get().state == InboundState.APPLIED
    response = client.get("/public/trail/")
    assert response.status_code == 200 and "内网" in response.content.decode()
    assert [json.loads(text) for text in _published(client)] == [checkpoint_payload(made)]
    # The external zone holds it for the internal zone: its own trail is not measured against it.
    assert _verify().startswith("trail intact")


def test_a_zone_cannot_send_a_checkpoint_of_the_other_zones_trail(zone, sealed):
    """A compromised external zone would plant a checkpoint the internal zone's verify_trail fails on."""
    zone("external")
    payload = {**json.loads(_text(sealed)), "zone": "internal"}
    envelope = envelope_make(
        packet_id=uuid.uuid4(),
        kind=Kind.TRAIL_CHECKPOINT,
        stream="trail:internal",
        seq=1,
        payload=payload,
        attachments=[],
    )
    wire = wire_encode(envelope, {})
    zone("internal")

    exchange.packet_receive(wire)
    exchange.packets_apply()

    assert InboundPacket.objects.get(kind=Kind.TRAIL_CHECKPOINT).state == InboundState.QUARANTINED
    assert not TrailCheckpoint.objects.filter(zone="internal").exists()


def test_an_empty_trail_gets_no_checkpoint_and_verifies(db):
    assert trail_checkpoint_make() is None
    assert _verify() == "trail intact: 0 entries\n"


def _documented_grants(role: str) -> str:
    """The application role's grants as docs/deployment.md gives them to the operator."""
    text = (Path(settings.BASE_DIR) / "docs" / "deployment.md").read_text(encoding="utf-8")
    section = text[text.index("## Database roles and the trail") :]
    return re.search(r"```sql\n(.*?)```", section, flags=re.DOTALL)[1].replace("portal_app", role)


@postgresql_only
def test_the_documented_application_role_handles_cases_but_cannot_get_round_the_trigger(file_case, staff):
    role = "portal_app_trail_test"  # created and dropped within this test's transaction
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(_documented_grants(role))
        cursor.execute(f"SET ROLE {role}")
        try:
            case = file_case()
            services.case_accept(case=case, user=staff["window_clerk"], opinion="材料齐全，予以受理")
            assert trail_checkpoint_make().seq == 2
            attempts = [
                "UPDATE workflow_trailentry SET opinion = '改写'",
                "DELETE FROM workflow_trailcheckpoint",
                "TRUNCATE workflow_trailentry",
                "ALTER TABLE workflow_trailentry DISABLE TRIGGER trail_append_only",
                "DROP TRIGGER trail_append_only ON workflow_trailentry",
                "SET session_replication_role = replica",
            ]
            for statement in attempts:
                with pytest.raises(DatabaseError, match="permission denied|must be owner"), transaction.atomic():
                    cursor.execute(statement)
        finally:
            cursor.execute("RESET ROLE")

    assert _verify() == "trail intact: 2 entries\n"


def test_administrators_see_the_checkpoints_and_cannot_change_them(sealed, admin_client):
    listing = admin_client.get("/admin/workflow/trailcheckpoint/")
    change = admin_client.post(f"/admin/workflow/trailcheckpoint/{sealed.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200 and sealed.head[:20] in listing.content.decode()
    assert change.status_code == 403 and TrailCheckpoint.objects.count() == 1
