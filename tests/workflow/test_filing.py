from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from portal.blobs import BLOB_DIR
from tests.factories import PowerItemFactory
from workflow.models import Attachment, Case, Notification, TrailEntry
from workflow.services.cases import Upload

from .conftest import pdf_upload, png_upload


def _nothing_stored():
    cases_dir = Path(settings.MEDIA_ROOT) / BLOB_DIR
    files = [path for path in cases_dir.rglob("*") if path.is_file()] if cases_dir.exists() else []
    return (Case.objects.count(), Attachment.objects.count(), TrailEntry.objects.count(), files) == (0, 0, 0, [])


@pytest.fixture(autouse=True)
def clean_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def test_a_filing_keeps_every_file_with_its_checked_type_and_hash(file_case, item):
    extra = item.materials.get(required=False)
    case = file_case(uploads=[*_required_uploads(item), Upload(extra, png_upload("现场照片.png"))])

    assert case.number.startswith("SP-") and len(case.query_code) == 8
    assert sorted(case.attachments.values_list("content_type", flat=True)) == [
        "application/pdf",
        "application/pdf",
        "image/png",
    ]
    attachment = case.attachments.get(material=extra)
    assert attachment.file.read().startswith(b"\x89PNG") and len(attachment.sha256) == 64
    assert Notification.objects.get(case=case).kind == "submitted"


def test_case_numbers_count_up_within_a_day(file_case):
    first, second = file_case(), file_case()

    assert int(second.number[-6:]) == int(first.number[-6:]) + 1


def _required_uploads(item):
    return [Upload(m, pdf_upload(f"{m.name}.pdf")) for m in item.materials.filter(required=True)]


def test_a_missing_required_material_is_named_and_nothing_is_stored(file_case, item):
    only_first = _required_uploads(item)[:1]

    with pytest.raises(ValidationError, match="营业执照"):
        file_case(uploads=only_first)
    assert _nothing_stored()


def test_a_file_whose_content_does_not_match_its_name_is_refused(file_case, item):
    uploads = _required_uploads(item)
    uploads[0] = Upload(uploads[0].material, pdf_upload("申请书.pdf", content=b"MZ\x90\x00 not a pdf at all"))

    with pytest.raises(ValidationError, match="申请书.pdf"):
        file_case(uploads=uploads)
    assert _nothing_stored()


def test_a_png_named_pdf_is_refused_as_a_mismatch(file_case, item):
    uploads = _required_uploads(item)
    uploads[1] = Upload(uploads[1].material, png_upload("营业执照.pdf"))

    with pytest.raises(ValidationError, match="PNG"):
        file_case(uploads=uploads)
    assert _nothing_stored()


def test_an_oversize_file_is_refused(file_case, item, settings):
    settings.UPLOAD_MAX_BYTES = 20

    with pytest.raises(ValidationError, match="不得超过 20"):
        file_case()
    assert _nothing_stored()


@pytest.mark.parametrize("trait", [{"status": "draft"}, {"category": "CF"}])
def test_only_published_items_that_are_applied_for_can_be_filed(file_case, department, trait):
    item = PowerItemFactory(department=department, **{"status": "published", **trait})

    with pytest.raises(ValidationError):
        file_case(item=item, uploads=[])
    assert _nothing_stored()
