"""Every kind of document: issued by its transition, readable by poppler, sealed with a valid signature."""

import os
import shutil
import subprocess
from io import BytesIO, StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from workflow.constants import DocumentKind
from workflow.documents import layout
from workflow.services import cases as services

# The Chinese every document of the kind must show, besides the case number.
EXPECTED = {
    DocumentKind.ACCEPTANCE_NOTICE: ["受理通知书", "予以受理"],
    DocumentKind.CONCLUSION_NOTICE: ["办结通知书", "不予许可"],
    DocumentKind.SUPPLEMENT_NOTICE: ["补正告知书", "1. 营业执照", "营业执照已过期"],
    DocumentKind.REFUSAL_DECISION: ["不予受理决定书", "申请事项不属于本机关职权", "行政复议", "行政诉讼", "六个月"],
    DocumentKind.DENIAL_DECISION: ["不予许可决定书", "第三十八条", "行政复议", "六十日"],
    DocumentKind.SUSPENSION_NOTICE: ["中止办理告知书", "需要组织听证", "5 个工作日"],
    DocumentKind.EXTENSION_NOTICE: ["延期告知书", "案情复杂", "前作出决定"],
}


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} is not installed (apt-get install poppler-utils)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def every_document(file_case, staff, item):
    """One document of each kind, issued by the transitions of three cases."""
    clerk, reviewer, approver, head = (staff[role] for role in ("window_clerk", "reviewer", "approver", "dept_head"))
    refused = file_case()
    services.case_request_supplement(
        case=refused, user=clerk, materials=list(item.materials.filter(name="营业执照")), opinion="营业执照已过期"
    )
    services.case_not_accept(
        case=refused, user=clerk, reason="申请事项不属于本机关职权", legal_basis="《行政许可法》第三十二条"
    )
    denied = file_case()
    services.case_accept(case=denied, user=clerk, opinion="受理")
    services.case_suspend(case=denied, user=reviewer, opinion="需要组织听证", days=5)
    services.case_resume(case=denied, user=reviewer, opinion="听证结束")
    services.case_extend(case=denied, user=head, opinion="案情复杂，需要延期", days=5)
    services.case_advance(case=denied, user=reviewer, opinion="审查")
    services.case_deny(case=denied, user=approver, reason="不符合条件", legal_basis="《行政许可法》第三十八条")
    services.case_conclude(case=denied, user=clerk, opinion="办结")
    documents = {document.kind: document for case in (refused, denied) for document in case.documents.all()}
    assert set(documents) == set(DocumentKind)
    return documents


def test_each_transition_issues_its_document_once(every_document):
    assert all(document.file.read()[:5] == b"%PDF-" for document in every_document.values())


def test_pdftotext_reads_the_case_number_and_the_chinese_of_every_kind(every_document, tmp_path):
    pdftotext = _poppler("pdftotext")
    for kind, document in every_document.items():
        text = subprocess.run([pdftotext, document.file.path, "-"], capture_output=True, check=True, text=True).stdout
        text = text.replace(" ", "").replace("\n", "")
        assert document.case.number in text, kind
        for expected in EXPECTED[kind]:
            assert expected.replace(" ", "") in text, (kind, expected)
        assert document.case.department.name in text, kind


def test_pdftoppm_renders_every_kind_with_ink_on_the_page(every_document, tmp_path):
    pdftoppm = _poppler("pdftoppm")
    for kind, document in every_document.items():
        prefix = tmp_path / kind
        subprocess.run([pdftoppm, "-gray", "-r", "40", "-f", "1", "-l", "1", document.file.path, prefix], check=True)
        image = next(tmp_path.glob(f"{kind}*.pgm")).read_bytes()
        pixels = image.split(b"\n", 3)[3]  # after the P5 header: magic, size, maximum
        dark = sum(1 for value in pixels if value < 128)
        # The QR code alone is a few hundred pixels at 40 dpi; text makes it several times that.
        assert dark > 2000, (kind, dark)


def _trust() -> ValidationContext:
    return ValidationContext(trust_roots=[load_cert_from_pemder(str(settings.SEAL_DIR) + "/root.pem")])


def test_every_kind_carries_the_departments_seal_and_it_validates(every_document):
    for kind, document in every_document.items():
        (signature,) = PdfFileReader(BytesIO(document.file.read())).embedded_signatures
        status = validate_pdf_signature(signature, _trust())
        assert status.bottom_line and status.intact and status.trusted, (kind, status.pretty_print_details())
        assert document.case.department.name in status.signing_cert.subject.human_friendly


def test_a_byte_changed_in_the_signed_range_breaks_the_seal(every_document):
    content = bytearray(every_document[DocumentKind.ACCEPTANCE_NOTICE].file.read())
    at = content.index(b"/Producer")
    content[at + 1] ^= 0x20  # /producer: still a well-formed PDF
    (signature,) = PdfFileReader(BytesIO(bytes(content))).embedded_signatures
    status = validate_pdf_signature(signature, _trust())
    assert not status.intact and not status.bottom_line


def test_a_seal_from_another_ca_is_not_trusted(every_document, settings, tmp_path, department):
    settings.SEAL_DIR = str(tmp_path / "other-ca")
    from workflow.documents.seals import seal_ensure

    assert seal_ensure(department)
    (signature,) = PdfFileReader(
        BytesIO(every_document[DocumentKind.CONCLUSION_NOTICE].file.read())
    ).embedded_signatures
    assert not validate_pdf_signature(signature, _trust()).trusted


def test_seals_are_made_once_and_kept(settings, tmp_path, department):
    from workflow.documents.seals import seal_ensure

    settings.SEAL_DIR = str(tmp_path / "ca")
    assert seal_ensure(department) is True
    key = (tmp_path / "ca" / "departments" / f"{department.code}.key").read_bytes()
    assert seal_ensure(department) is False
    assert (tmp_path / "ca" / "departments" / f"{department.code}.key").read_bytes() == key
    assert oct((tmp_path / "ca" / "root.key").stat().st_mode & 0o777) == "0o600"


def test_issue_seals_makes_the_missing_seals_only(settings, tmp_path, department, other_department):
    settings.SEAL_DIR = str(tmp_path / "ca")
    first, again = StringIO(), StringIO()

    call_command("issue_seals", stdout=first)
    call_command("issue_seals", stdout=again)

    assert "2 new" in first.getvalue() and "0 new" in again.getvalue()


@pytest.fixture
def fresh_font():
    """The font is chosen once per process; these tests choose again, and leave it chosen afresh."""
    layout.font.cache_clear(), layout.styles.cache_clear()
    yield
    layout.font.cache_clear(), layout.styles.cache_clear()


def test_documents_embed_a_subset_of_the_truetype_font(fresh_font, file_case, staff):
    case = file_case()
    services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")

    content = case.documents.get().file.read()
    # A TrueType font program inside the file (a subset: tens of KB, not the 5 MB font).
    assert b"/FontFile2" in content and b"STSong" not in content and len(content) < 200_000


def test_without_the_font_file_documents_fall_back_to_the_cid_font_with_a_warning(
    fresh_font, settings, file_case, staff, caplog
):
    settings.PDF_FONT_PATH = "/nonexistent/font.ttc"
    case = file_case()

    services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")

    assert case.documents.get().file.read()[:5] == b"%PDF-"
    assert "pdf_font_missing" in caplog.text
    assert b"STSong-Light" in case.documents.get().file.read()
