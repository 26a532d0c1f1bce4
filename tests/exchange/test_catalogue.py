"""The public catalogue of the external zone is a copy built from the internal zone's packets.

Both zones share this one test database, whereas each has its own in reality. So the internal
zone acts first (publishing queues packets in its outbox); then the rows only the internal zone
would hold are deleted, and the external zone receives the packets as they travel (their wire
bytes) and applies them.
"""

import json
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from guardian.shortcuts import assign_perm

from portal import demo as portal_demo
from portal.models import Department
from powers import demo as powers_demo
from powers import services as powers
from powers.catalogue_io import catalogue_import
from powers.constants import Status
from powers.demo_data import ITEMS
from powers.models import DiscretionStandard, Material, PowerItem, Step
from tests.factories import DepartmentFactory, UserFactory
from workflow.exchange import services
from workflow.exchange.models import InboundPacket, InboundState, OutboundPacket
from workflow.exchange.packets import Kind, canonical, sha256, signature
from workflow.exchange.transports import LocalTransport

pytestmark = pytest.mark.django_db

CODE = "CF-YG-SJJ-0001"
TEMPLATE = b"PK\x03\x04 the application form"


@pytest.fixture
def department():
    return DepartmentFactory(code="YG-SJJ", name="阳光区市场监督管理局")


@pytest.fixture
def publisher(department):
    user = UserFactory(role="catalogue_admin")
    assign_perm("portal.edit_catalogue", user, department)
    return user


def _published(publisher, department, *, name: str = "无证经营食品的处罚") -> PowerItem:
    """A penalty item published inside the way editors do it, with materials at positions 2 and 5
    (positions are kept as they are, gaps included), one with a form template."""
    draft = powers.power_item_create(
        user=publisher,
        item=PowerItem(
            code=CODE,
            name=name,
            category="CF",
            department=department,
            legal_basis="《中华人民共和国食品安全法》第一百二十二条",
            legal_days=90,
            promised_days=60,
            fee_standard="不收费",
        ),
    )
    draft.steps.create(position=1, name="立案", role="law_enforcer", days_limit=7, risk_points="选择性立案")
    draft.steps.create(position=2, name="决定", role="dept_head", days_limit=10)
    draft.materials.create(position=2, name="询问笔录", required=True, copies=2)
    draft.materials.create(
        position=5, name="陈述申辩书", required=False, form_template=SimpleUploadedFile("陈述申辩书.docx", TEMPLATE)
    )
    draft.standards.create(
        level="minor", circumstances="初次违法", amount_min=Decimal("5000.00"), amount_max=Decimal("10000.50")
    )
    draft.standards.create(level="severe", circumstances="屡教不改", amount_min=Decimal("50000"), amount_max=150000)
    powers.power_item_submit(user=publisher, item=draft)
    return powers.power_item_publish(user=publisher, item=draft)


def _new_version(publisher, item: PowerItem, *, name: str) -> PowerItem:
    draft = powers.power_item_new_version(user=publisher, item=item)
    draft.name = name
    draft.save()
    powers.power_item_submit(user=publisher, item=draft)
    return powers.power_item_publish(user=publisher, item=draft)


def _wires() -> list[bytes]:
    """What the internal zone queued, as it travels, in the order it was queued."""
    return [services._wire(packet) for packet in OutboundPacket.objects.order_by("stream", "seq")]


def _leave_inside() -> None:
    """Take away what only the internal zone's database holds: the external zone starts without it."""
    PowerItem.objects.all().delete()
    Department.objects.filter(code="YG-SJJ").delete()


def _arrive(*wires: bytes) -> int:
    """The external zone receives these packets and applies what it can; how many it applied."""
    for wire in wires:
        services.packet_receive(wire)
    return services.packets_apply()


def _listed(client) -> list[str]:
    return re.findall(r'data-testid="result" data-code="([^"]+)"', client.get("/catalogue/").content.decode())


def test_publishing_queues_one_packet_with_the_change(zone, publisher, department):
    zone("internal")

    with pytest.raises(RuntimeError), transaction.atomic():
        _published(publisher, department)
        raise RuntimeError("the publication failed")
    assert not OutboundPacket.objects.exists()

    _published(publisher, department)

    packet = OutboundPacket.objects.get()
    assert (packet.kind, packet.stream, packet.seq) == (Kind.CATALOGUE_PUBLISHED, f"catalogue:{CODE}", 1)
    payload = packet.envelope["payload"]
    assert (payload["code"], payload["version"], payload["status"]) == (CODE, 1, "published")
    assert [row["amount_max"] for row in payload["standards"]] == ["10000.50", "150000.00"]
    (attachment,) = packet.files
    assert attachment["sha256"] == payload["materials"][1]["form_template"]["file"] == sha256(TEMPLATE)


def test_a_draft_or_a_new_version_in_the_making_queues_nothing(zone, publisher, department):
    zone("internal")
    item = _published(publisher, department)
    OutboundPacket.objects.all().delete()

    draft = powers.power_item_new_version(user=publisher, item=item)
    powers.power_item_submit(user=publisher, item=draft)

    assert not OutboundPacket.objects.exists()


def test_the_external_zone_shows_the_copy_with_its_steps_materials_standards_and_form(
    zone, publisher, department, client
):
    zone("internal")
    _published(publisher, department)
    wires = _wires()
    _leave_inside()
    zone("external")

    assert _arrive(*wires) == 1

    copy = PowerItem.objects.get(code=CODE)
    assert (copy.version, copy.status, copy.department.name) == (1, Status.PUBLISHED, "阳光区市场监督管理局")
    assert copy.legal_basis == "《中华人民共和国食品安全法》第一百二十二条" and copy.fee_standard == "不收费"
    assert [(s.position, s.name, s.role, s.days_limit) for s in copy.steps.all()] == [
        (1, "立案", "law_enforcer", 7),
        (2, "决定", "dept_head", 10),
    ]
    assert copy.steps.get(position=1).risk_points == ""  # stays inside
    assert [(m.position, m.name, m.required, m.copies) for m in copy.materials.all()] == [
        (2, "询问笔录", True, 2),
        (5, "陈述申辩书", False, 1),
    ]
    assert copy.materials.get(position=5).form_template.read() == TEMPLATE
    assert [(s.level, s.amount_min, s.amount_max) for s in copy.standards.all()] == [
        ("minor", Decimal("5000.00"), Decimal("10000.50")),
        ("severe", Decimal("50000.00"), Decimal("150000.00")),
    ]
    assert _listed(client) == [CODE]
    page = client.get(f"/catalogue/{CODE}/").content.decode()
    assert "无证经营食品的处罚" in page and copy.materials.get(position=5).form_template.url in page


def test_a_new_version_replaces_the_copy_in_force(zone, publisher, department, client):
    zone("internal")
    _new_version(publisher, _published(publisher, department, name="旧名称"), name="新名称")
    first, second = _wires()
    _leave_inside()
    zone("external")

    _arrive(first)
    assert "旧名称" in client.get(f"/catalogue/{CODE}/").content.decode()
    _arrive(second)

    versions = dict(PowerItem.objects.filter(code=CODE).values_list("version", "status"))
    assert versions == {1: Status.SUPERSEDED, 2: Status.PUBLISHED}
    page = client.get(f"/catalogue/{CODE}/").content.decode()
    assert "新名称" in page and "旧名称" not in page
    assert PowerItem.objects.get(code=CODE, version=2).materials.count() == 2


def test_an_older_version_arriving_after_a_newer_one_changes_nothing(zone, publisher, department, client):
    zone("internal")
    _new_version(publisher, _published(publisher, department, name="旧名称"), name="新名称")
    first, second = _wires()
    _leave_inside()
    zone("external")
    _arrive(first, second)

    # Its payload again, as a late copy of it would bring it.
    old = json.loads(first)["packet"]
    powers.catalogue_published_apply(InboundPacket(source="internal", payload=old["payload"], files=[]))

    versions = dict(PowerItem.objects.filter(code=CODE).values_list("version", "status"))
    assert versions == {1: Status.SUPERSEDED, 2: Status.PUBLISHED}
    assert "新名称" in client.get(f"/catalogue/{CODE}/").content.decode()


def test_an_abolished_item_leaves_the_public_catalogue(zone, publisher, department, client):
    zone("internal")
    powers.power_item_abolish(user=publisher, item=_published(publisher, department))
    published, abolished = _wires()
    _leave_inside()
    zone("external")

    _arrive(published)
    assert _listed(client) == [CODE]
    _arrive(abolished)

    assert _listed(client) == []
    assert client.get(f"/catalogue/{CODE}/").status_code == 404
    assert PowerItem.objects.get(code=CODE).status == Status.ABOLISHED  # still counted in the cleanup figures


def test_the_catalogue_sent_again_changes_nothing_outside(zone, publisher, department, client):
    zone("internal")
    _published(publisher, department)
    powers.catalogue_publish_all()
    first, again = _wires()
    _leave_inside()
    zone("external")

    assert _arrive(first, again) == 2

    copy = PowerItem.objects.get(code=CODE)
    assert copy.status == Status.PUBLISHED
    assert (Step.objects.count(), Material.objects.count(), DiscretionStandard.objects.count()) == (2, 2, 2)
    assert copy.history.count() == 1
    assert _listed(client) == [CODE]


def test_the_catalogue_command_sends_every_item_in_force_or_abolished(zone, publisher, department):
    zone("internal")
    item = _published(publisher, department)
    _new_version(publisher, item, name="新名称")
    other = PowerItem.objects.create(
        code="XK-YG-SJJ-0002",
        name="食品经营许可",
        category="XK",
        department=department,
        legal_basis="《食品安全法》",
        legal_days=20,
        promised_days=10,
        status=Status.ABOLISHED,
    )
    PowerItem.objects.create(
        code="XK-YG-SJJ-0003",
        name="草稿",
        category="XK",
        department=department,
        legal_basis="-",
        legal_days=1,
        promised_days=1,
    )
    OutboundPacket.objects.all().delete()

    call_command("publish_catalogue")

    sent = {(p.envelope["payload"]["code"], p.envelope["payload"]["version"]) for p in OutboundPacket.objects.all()}
    assert sent == {(CODE, 2), (other.code, 1)}


def test_an_import_sends_what_it_published_and_nothing_for_rows_unchanged(zone, tmp_path):
    from tests.powers.test_catalogue_io import item_row, write_csv

    zone("internal")
    editor = UserFactory(is_superuser=True, is_staff=True)
    first = write_csv(tmp_path / "v1.csv", [item_row(), item_row("XK-YG-SJJ-0002", name="食品生产许可")])
    catalogue_import(source=first, user=editor, create_departments=True)

    sent = {(p.envelope["payload"]["code"], p.envelope["payload"]["version"]) for p in OutboundPacket.objects.all()}
    assert sent == {("XK-YG-SJJ-0001", 1), ("XK-YG-SJJ-0002", 1)}
    before = list(OutboundPacket.objects.values_list("pk", flat=True))

    rows = [item_row(promised_days="5"), item_row("XK-YG-SJJ-0002", name="食品生产许可")]
    catalogue_import(source=write_csv(tmp_path / "v2.csv", rows), user=editor)

    assert [
        (p.stream, p.seq, p.envelope["payload"]["version"]) for p in OutboundPacket.objects.exclude(pk__in=before)
    ] == [("catalogue:XK-YG-SJJ-0001", 2, 2)]


def test_the_external_zone_does_not_send_its_copy(zone):
    zone("external")

    with pytest.raises(CommandError):
        call_command("publish_catalogue")
    assert not OutboundPacket.objects.exists()


def test_the_demo_sends_its_catalogue_from_inside(zone):
    zone("internal")
    portal_demo.seed()

    powers_demo.seed()

    assert OutboundPacket.objects.filter(kind=Kind.CATALOGUE_PUBLISHED).count() == len(ITEMS)


def test_a_float_amount_is_quarantined_and_nothing_is_copied(zone, publisher, department):
    zone("internal")
    _published(publisher, department)
    payload = OutboundPacket.objects.get().envelope["payload"]
    payload["standards"][0]["amount_min"] = 5000.0
    services.packet_emit(kind=Kind.CATALOGUE_PUBLISHED, stream="catalogue:forged", payload=payload)
    wire = services._wire(OutboundPacket.objects.get(stream="catalogue:forged"))
    _leave_inside()
    zone("external")

    inbound = services.packet_receive(wire)
    services.packets_apply()

    assert inbound.state == InboundState.QUARANTINED and "amount_min" in inbound.reason
    assert not PowerItem.objects.exists()


def test_a_payload_the_catalogue_refuses_is_quarantined_and_nothing_is_copied(zone, publisher, department):
    zone("internal")
    _published(publisher, department)
    wire = json.loads(_wires()[0])
    wire["packet"]["payload"]["item"]["promised_days"] = 120  # beyond the legal 90 days
    wire["signature"] = signature(canonical(wire["packet"]))  # genuine, only wrong
    _leave_inside()
    zone("external")

    inbound = services.packet_receive(canonical(wire))
    services.packets_apply()

    inbound.refresh_from_db()
    assert inbound.state == InboundState.QUARANTINED and "promised_days" in inbound.reason
    assert not PowerItem.objects.exists() and not Material.objects.exists()


def test_the_single_zone_finds_its_own_catalogue_and_does_nothing(zone, publisher, department, client):
    zone("single")
    _published(publisher, department)

    counts = services.exchange_once(LocalTransport())

    assert counts["applied"] == 1
    assert InboundPacket.objects.get().state == InboundState.APPLIED
    assert PowerItem.objects.filter(code=CODE).count() == 1
    assert Material.objects.count() == 2
    assert _listed(client) == [CODE]
