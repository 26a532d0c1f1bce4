"""Cases in Chromium: a citizen applies, staff handle the case on the workbench, anyone tracks it.

Selectors are data-testid attributes, form field names and URLs: the visible wording is being
translated while these tests are written. Labels the pages show are compared with what Django
renders for the portal's language, never with a hard-coded translation.
"""

import struct
import zlib
from io import BytesIO

import pytest
from django.utils import translation
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import log_in, unfold
from tests.workflow import conftest as workflow_fixtures
from workflow.constants import CaseState, DocumentKind
from workflow.models import Case
from workflow.services.cases import case_accept, case_advance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The workflow tests' case fixtures: an item with four steps (受理 → 审查 → 决定 → 送达) and three
# materials (two required), one member of staff per role, a citizen, and filing through the services.
department = workflow_fixtures.department
item = workflow_fixtures.item
staff = workflow_fixtures.staff
citizen = workflow_fixtures.citizen
file_case = workflow_fixtures.file_case
PDF = workflow_fixtures.PDF

# The order of the trail of a case that went through one supplement request and was approved.
FULL_JOURNEY = ["submit", "request_supplement", "resubmit", "accept", "advance", "approve", "conclude"]


def _png(size: int = 16) -> bytes:
    """A real (decodable) PNG: a small orange square, so the workbench's preview shows an image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xf0\x80\x20" * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _label(choice) -> str:
    """A choice's label as the pages render it (the portal's language, whatever the catalogue holds now)."""
    with translation.override("zh-hans"):
        return str(choice.label)


def _open_from_inbox(page, number: str) -> None:
    page.goto("/workbench/")
    page.locator(f'[data-testid="inbox-row"][data-number="{number}"] a[href="/workbench/cases/{number}/"]').click()
    page.wait_for_url(f"**/workbench/cases/{number}/")


def _actions(page) -> set[str]:
    return {
        action
        for action in page.locator('[data-testid="transition"]').evaluate_all("els => els.map(e => e.dataset.action)")
    }


def _fire(page, action: str, *, expect_state: str, materials=(), **fields) -> None:
    """Unfold the action's form on the workbench case page, fill it, submit it, wait for the new state."""
    unfold(
        page,
        f'[data-testid="transition"][data-action="{action}"] > button[data-bs-toggle="collapse"]',
        f"#action-{action}",
    )
    form = page.get_by_test_id(f"transition-form-{action}")
    expect(form).to_be_visible()
    for material in materials:
        form.locator(f'input[name="materials"][value="{material.pk}"]').check()
    for name, value in fields.items():
        form.locator(f'[name="{name}"]').fill(value)
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("case-state")).to_have_attribute("data-state", expect_state)
    expect(page.locator("#content > .alert-success")).to_be_visible()


def _step_statuses(page) -> list[str]:
    return page.locator('[data-testid="steps"] [data-testid="step"]').evaluate_all(
        "els => els.map(e => e.dataset.status)"
    )


def _event_actions(page) -> list[str]:
    """The timeline's events, oldest first (the page lists the newest first)."""
    return page.locator('[data-testid="events"] [data-testid="event"]').evaluate_all(
        "els => els.map(e => e.dataset.action).reverse()"
    )


# 1. Apply, supplement, accept, review, approve, conclude ---------------------------------------------


def test_a_case_from_application_to_conclusion(page, new_page, item, staff, citizen, tmp_path):
    application, licence, other = item.materials.order_by("position")
    (tmp_path / "申请书.pdf").write_bytes(PDF)
    (tmp_path / "营业执照.png").write_bytes(_png())
    (tmp_path / "其他证明.pdf").write_bytes(PDF)

    # The citizen applies with the two required materials.
    log_in(page, citizen.mobile, f"/apply/{item.code}/")
    form = page.get_by_test_id("apply-form")
    assert form.locator('input[name="applicant_name"]').input_value() == citizen.name  # from the account
    assert form.locator('input[name="applicant_mobile"]').input_value() == citizen.mobile
    form.locator('textarea[name="description"]').fill("新开一家便利店，申请食品经营许可。")
    form.locator(f'input[name="material_{application.pk}"]').set_input_files(tmp_path / "申请书.pdf")
    form.locator(f'input[name="material_{licence.pk}"]').set_input_files(tmp_path / "营业执照.png")
    page.get_by_test_id("submit").click()

    page.wait_for_url("**/apply/done/*/")
    case = Case.objects.get(applicant=citizen)
    assert page.get_by_test_id("case-number").inner_text() == case.number
    assert page.get_by_test_id("query-code").inner_text() == case.query_code
    assert len(case.query_code) == 8
    assert page.url.endswith(f"/apply/done/{case.number}/")
    assert sorted(case.attachments.values_list("material__name", "content_type")) == [
        ("申请书", "application/pdf"),
        ("营业执照", "image/png"),
    ]

    # The window clerk finds it in the inbox and tells the citizen at once what is missing (一次性告知).
    clerk = new_page()
    log_in(clerk, staff["window_clerk"].username, "/workbench/")
    _open_from_inbox(clerk, case.number)
    expect(clerk.get_by_test_id("case-state")).to_have_attribute("data-state", CaseState.SUBMITTED)
    assert clerk.locator('[data-testid="attachments"] [data-testid="attachment"]').count() == 2
    assert "新开一家便利店" in clerk.get_by_test_id("applicant").inner_text()
    assert {"accept", "request_supplement", "not_accept"} <= _actions(clerk)
    _fire(
        clerk,
        "request_supplement",
        expect_state=CaseState.SUPPLEMENT,
        materials=[other],
        opinion="请补充场所使用证明（房屋租赁合同）。",
    )
    assert "其他证明" in clerk.get_by_test_id("supplement-requests").inner_text()

    # The citizen sees what is asked for, hands it in and sends the case back.
    page.goto(f"/my/{case.number}/")
    supplement = page.get_by_test_id("supplement")
    expect(supplement).to_be_visible()
    assert supplement.get_by_test_id("requested-materials").inner_text().strip() == "其他证明"
    assert "房屋租赁合同" in supplement.get_by_test_id("supplement-note").inner_text()
    expect(page.get_by_test_id("state")).to_have_attribute("data-state", CaseState.SUPPLEMENT)
    supplement_form = page.get_by_test_id("supplement-form")
    assert supplement_form.locator('input[type="file"]').count() == 1  # only what was asked for
    supplement_form.locator(f'input[name="material_{other.pk}"]').set_input_files(tmp_path / "其他证明.pdf")
    supplement_form.locator('textarea[name="note"]').fill("已补充租赁合同。")
    page.get_by_test_id("supplement-submit").click()
    expect(page.get_by_test_id("state")).to_have_attribute("data-state", CaseState.SUBMITTED)
    expect(page.get_by_test_id("supplement")).to_have_count(0)
    assert page.locator('[data-testid="attachments"] [data-testid="attachment"]').count() == 3

    # The clerk accepts: the clock starts and the notice of acceptance is issued.
    clerk.reload()
    expect(clerk.get_by_test_id("case-state")).to_have_attribute("data-state", CaseState.SUBMITTED)
    assert clerk.locator('[data-testid="attachments"] [data-testid="attachment"]').count() == 3
    _fire(clerk, "accept", expect_state=CaseState.ACCEPTED, opinion="材料齐全，予以受理。")
    expect(clerk.locator(f'[data-testid="documents"] [data-kind="{DocumentKind.ACCEPTANCE_NOTICE}"]')).to_have_count(1)

    # The reviewer sends it on from 审查; the decision is not theirs.
    reviewer = new_page()
    log_in(reviewer, staff["reviewer"].username, "/workbench/")
    _open_from_inbox(reviewer, case.number)
    actions = _actions(reviewer)
    assert "advance" in actions and not actions & {"approve", "deny"}
    _fire(reviewer, "advance", expect_state=CaseState.REVIEWING, opinion="经审查，符合许可条件。")

    # The approver approves at 决定.
    approver = new_page()
    log_in(approver, staff["approver"].username, "/workbench/")
    _open_from_inbox(approver, case.number)
    assert {"approve", "deny"} <= _actions(approver)
    _fire(approver, "approve", expect_state=CaseState.APPROVED, opinion="准予许可，核发食品经营许可证。")

    # The clerk concludes: the notice of conclusion is issued.
    clerk.reload()
    _fire(clerk, "conclude", expect_state=CaseState.CONCLUDED, opinion="许可证已送达申请人。")
    expect(clerk.get_by_test_id("no-transitions")).to_be_visible()
    expect(clerk.locator(f'[data-testid="documents"] [data-kind="{DocumentKind.CONCLUSION_NOTICE}"]')).to_have_count(1)
    assert [
        row.get_attribute("data-action") for row in clerk.locator('[data-testid="trail-entry"]').all()
    ] == FULL_JOURNEY
    clerk.screenshot(path=tmp_path / "workbench-case.png", full_page=True)

    # The citizen sees the whole timeline: every step done, the case concluded.
    page.goto(f"/my/{case.number}/")
    progress = page.get_by_test_id("progress")
    state = progress.get_by_test_id("state")
    expect(state).to_have_attribute("data-state", CaseState.CONCLUDED)
    assert state.inner_text() == _label(CaseState.CONCLUDED)
    assert _step_statuses(page) == ["done"] * 4
    assert _event_actions(page) == FULL_JOURNEY
    opinions = progress.get_by_test_id("opinion").all_inner_texts()
    assert "准予许可，核发食品经营许可证。" in opinions and "请补充场所使用证明（房屋租赁合同）。" in opinions
    decision = page.get_by_test_id("decision")
    assert "border-success" in decision.get_attribute("class")
    assert "准予许可，核发食品经营许可证。" in decision.inner_text()
    # 补正告知书, 受理通知书, 办结通知书.
    assert page.locator('[data-testid="documents"] [data-testid="document"]').count() == 3
    page.screenshot(path=tmp_path / "timeline.png", full_page=True)

    # …and downloads the notice of conclusion.
    conclusion = case.documents.get(kind=DocumentKind.CONCLUSION_NOTICE)
    with page.expect_download() as download_info:
        page.locator(f'[data-testid="document"][href="/my/{case.number}/documents/{conclusion.pk}/"]').click()
    download = download_info.value
    assert download.suggested_filename.startswith(case.number) and download.suggested_filename.endswith(".pdf")
    download.save_as(tmp_path / "download.pdf")
    content = (tmp_path / "download.pdf").read_bytes()
    assert content.startswith(b"%PDF")
    text = "".join(pdf_page.extract_text() for pdf_page in PdfReader(BytesIO(content)).pages)
    assert case.number in text
    assert case.query_code in text


# 2. A refusal ----------------------------------------------------------------------------------------


def test_the_approver_denies_and_the_citizen_reads_why(page, new_page, file_case, staff, citizen):
    case = file_case()
    case_accept(case=case, user=staff["window_clerk"], opinion="予以受理。")
    case_advance(case=case, user=staff["reviewer"], opinion="经审查，经营场所不符合要求。")
    reason = "经营场所与有毒、有害场所的距离不符合要求。"
    basis = "《食品经营许可和备案管理办法》第十二条"

    approver = new_page()
    log_in(approver, staff["approver"].username, "/workbench/")
    _open_from_inbox(approver, case.number)
    deny = approver.get_by_test_id("transition-form-deny")
    approver.locator('[data-testid="transition"][data-action="deny"] > button[data-bs-toggle="collapse"]').click()
    expect(deny).to_be_visible()
    # Both are required: without the legal basis the form is not sent.
    deny.locator('textarea[name="reason"]').fill(reason)
    deny.locator("button[type=submit]").click()
    assert deny.locator('textarea[name="legal_basis"]').evaluate("el => el.validity.valueMissing")
    case.refresh_from_db()
    assert case.state == CaseState.REVIEWING
    deny.locator('textarea[name="legal_basis"]').fill(basis)
    deny.locator("button[type=submit]").click()
    expect(approver.get_by_test_id("case-state")).to_have_attribute("data-state", CaseState.DENIED)
    limits = approver.get_by_test_id("time-limits").locator("xpath=..").inner_text()
    assert reason in limits and basis in limits

    log_in(page, citizen.mobile, f"/my/{case.number}/")
    decision = page.get_by_test_id("decision")
    expect(decision).to_be_visible()
    assert "border-danger" in decision.get_attribute("class")
    text = decision.inner_text()
    assert reason in text and basis in text
    expect(page.get_by_test_id("state")).to_have_attribute("data-state", CaseState.DENIED)
    assert page.get_by_test_id("state").inner_text() == _label(CaseState.DENIED)
    assert _event_actions(page) == ["submit", "accept", "advance", "deny"]
    assert reason in page.get_by_test_id("events").inner_text()
    # Decided, so no longer withdrawn; not concluded yet, so nothing to supplement either.
    expect(page.get_by_test_id("withdraw")).to_have_count(0)
    expect(page.get_by_test_id("supplement")).to_have_count(0)


# 3. Tracking without an account -------------------------------------------------------------------------


def _track(page, number: str, code: str) -> None:
    page.goto("/track/")
    form = page.get_by_test_id("track-form")
    form.locator('input[name="number"]').fill(number)
    form.locator('input[name="code"]').fill(code)
    page.get_by_test_id("track-submit").click()
    page.wait_for_load_state()


def test_anyone_with_number_and_query_code_follows_the_case(page, file_case, staff):
    case = file_case()
    case_accept(case=case, user=staff["window_clerk"], opinion="内部意见：材料齐全。")

    _track(page, case.number, case.query_code)
    expect(page.get_by_test_id("tracked-case")).to_have_attribute("data-number", case.number)
    assert page.get_by_test_id("track-not-found").count() == 0
    expect(page.get_by_test_id("state")).to_have_attribute("data-state", CaseState.ACCEPTED)
    assert page.get_by_test_id("state").inner_text() == _label(CaseState.ACCEPTED)
    assert _step_statuses(page) == ["done", "current", "upcoming", "upcoming"]
    assert _event_actions(page) == ["submit", "accept"]
    # The public page shows where the case is, never what staff wrote.
    assert page.get_by_test_id("opinion").count() == 0
    assert "内部意见" not in page.content()
    assert page.get_by_test_id("user-menu").count() == 0

    wrong = ("A" if case.query_code[0] != "A" else "B") + case.query_code[1:]
    _track(page, case.number, wrong)
    expect(page.get_by_test_id("track-not-found")).to_be_visible()
    assert page.get_by_test_id("tracked-case").count() == 0
    assert page.get_by_test_id("progress").count() == 0
    wrong_code_message = page.get_by_test_id("track-not-found").inner_text()

    # The same words for a number that does not exist: the page tells nothing about which was wrong.
    _track(page, "SP-20200101-999999", case.query_code)
    assert page.get_by_test_id("track-not-found").inner_text() == wrong_code_message
    assert page.get_by_test_id("tracked-case").count() == 0
