"""Attachments are stored once, named by their content, and files nothing refers to are cleared."""

import os
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from portal.blobs import BLOB_DIR, blob_name, blob_save
from tests.workflow import conftest as workflow_fixtures
from workflow.exchange import services
from workflow.exchange.models import InboundPacket, InboundState, OutboundPacket
from workflow.exchange.packets import Kind, sha256
from workflow.services.files import ORPHAN_GRACE, orphan_files_purge

pytestmark = pytest.mark.django_db

department = workflow_fixtures.department
item = workflow_fixtures.item
staff = workflow_fixtures.staff
citizen = workflow_fixtures.citizen
file_case = workflow_fixtures.file_case


def _stored() -> list[str]:
    root = Path(default_storage.path(BLOB_DIR))
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def _age(name: str) -> None:
    old = time.time() - ORPHAN_GRACE.total_seconds() - 60
    os.utime(default_storage.path(name), (old, old))


def test_a_filing_and_the_packet_that_carries_it_share_one_copy_of_each_file(zone, file_case):
    zone("external")
    case = file_case()
    attachments = list(case.attachments.all())
    packet = OutboundPacket.objects.get(kind=Kind.APPLICATION_SUBMITTED)

    zone("internal")
    inbound = services.packet_receive(services._wire(packet))
    services.packet_receive(services._wire(packet))  # delivered twice

    assert {attachment.file.name for attachment in attachments} == {file["storage"] for file in inbound.files}
    assert all(attachment.file.name == blob_name(attachment.sha256) for attachment in attachments)
    assert len(_stored()) == len({attachment.sha256 for attachment in attachments})


def test_the_same_content_handed_in_twice_is_one_file(file_case):
    first, second = file_case(), file_case()

    both = [attachment for case in (first, second) for attachment in case.attachments.all()]
    assert len(both) == 4 and first.attachments.count() == 2
    assert len(_stored()) == len({attachment.sha256 for attachment in both}) == 1  # the test uploads' bytes


def test_a_file_cut_short_by_a_killed_writer_is_written_again():
    data = b"%PDF-1.4 the whole file"
    name = blob_name(sha256(data))
    default_storage.save(name, ContentFile(data[:7]))

    assert blob_save(data) == name
    assert default_storage.open(name).read() == data


def test_old_files_nothing_refers_to_are_removed_and_the_rest_kept(file_case):
    case = file_case()
    attached = case.attachments.first().file.name
    orphan = blob_save(b"a filing rolled back after its upload was written")
    young = blob_save(b"a filing still in its transaction")
    waiting = blob_save(b"a packet waiting for its predecessor")
    InboundPacket.objects.create(
        packet_id=None, kind="application.supplemented", source="external", stream="S", seq=2,
        files=[{"name": "x.pdf", "sha256": "0" * 64, "size": 1, "storage": waiting}], state=InboundState.PENDING,
    )  # fmt: skip
    for name in (attached, orphan, waiting):
        _age(name)

    assert orphan_files_purge() == 1

    assert not default_storage.exists(orphan)
    assert all(default_storage.exists(name) for name in (attached, young, waiting))
    assert case.attachments.first().file.open("rb").read().startswith(b"%PDF")
