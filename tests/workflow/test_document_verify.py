"""/track/verify/: anyone may check that a document is one the portal issued, learning nothing personal."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from workflow.constants import DocumentKind
from workflow.services import cases as services
from workflow.services import penalties

URL = "/track/verify/"


@pytest.fixture
def notice(file_case, staff):
    case = file_case(applicant_name="王小明")
    services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")
    return case.documents.get(kind=DocumentKind.ACCEPTANCE_NOTICE)


def _upload(content: bytes):
    return SimpleUploadedFile("通知书.pdf", content, content_type="application/pdf")


def test_a_genuine_pdf_is_recognised_with_its_kind_and_a_masked_number(client, notice):
    response = client.post(URL, {"document": _upload(notice.file.read())})

    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="verify-genuine"' in page
    assert "受理通知书" in page and notice.case.number[:-6] + "****" + notice.case.number[-2:] in page
    for private in (notice.case.number, "王小明", notice.case.query_code, notice.case.applicant_mobile):
        assert private not in page


def test_an_altered_pdf_is_not_recognised(client, notice):
    content = bytearray(notice.file.read())
    content[content.index(b"/Producer") + 1] ^= 0x20

    page = client.post(URL, {"document": _upload(bytes(content))}).content.decode()

    assert 'data-testid="verify-unknown"' in page and 'data-testid="verify-genuine"' not in page


def test_a_pasted_digest_is_checked_too(client, notice):
    page = client.post(URL, {"digest": f"  {notice.sha256.upper()} "}).content.decode()
    assert 'data-testid="verify-genuine"' in page


@pytest.mark.parametrize("digest", ["abc", "g" * 64, "'; DROP TABLE x; --", "\x00" * 64])
def test_a_malformed_digest_gets_a_message(client, db, digest):
    page = client.post(URL, {"digest": digest}).content.decode()
    assert "invalid-feedback" in page and "verify-genuine" not in page and "verify-unknown" not in page


def test_nothing_given_gets_a_message(client, db):
    response = client.post(URL, {})
    assert response.status_code == 200 and "请选择文书的 PDF 文件，或粘贴其摘要" in response.content.decode()


def test_checks_are_rate_limited_like_lookups(client, db, settings):
    settings.TRACK_RATE = "3/m"
    statuses = [client.post(URL, {"digest": "0" * 64}).status_code for _ in range(5)]
    assert statuses[:3] == [200] * 3 and statuses[-1] == 429


def test_the_case_page_shows_each_documents_digest(client, notice, citizen):
    client.force_login(citizen)
    assert notice.sha256 in client.get(f"/my/{notice.case.number}/").content.decode()


def test_a_penalty_decision_is_recognised_where_penalty_cases_are_kept(client, open_clue, enforcers):
    case = open_clue()
    officer, head = enforcers["officer"], enforcers["head"]
    penalties.penalty_register(case=case, user=officer, opinion="立案")
    penalties.penalty_investigate(case=case, user=officer, opinion="调查")
    penalties.penalty_inform(
        case=case, user=officer, facts="无证经营", level="general", proposed_amount=Decimal("65000"), opinion="告知"
    )
    penalties.penalty_decide(case=case, user=head, amount=Decimal("65000"), decision="罚款。")

    page = client.post(URL, {"document": _upload(case.decision_document.read())}).content.decode()

    assert 'data-testid="verify-genuine"' in page and "行政处罚决定书" in page and "李四" not in page
