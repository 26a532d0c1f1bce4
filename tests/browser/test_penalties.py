"""A penalty case in Chromium: an officer records a clue and carries the case to the legal review, the
legal reviewer passes it, the head decides within the proposed range, the officer closes it, and the
public page shows it masked.

Selectors are data-testid attributes, form field names and URLs, as in test_cases.py.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, unfold
from tests.workflow import conftest as workflow_fixtures
from workflow.constants import PenaltyState
from workflow.models import PenaltyCase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

department = workflow_fixtures.department
other_department = workflow_fixtures.other_department
penalty_item = workflow_fixtures.penalty_item
enforcers = workflow_fixtures.enforcers


@pytest.fixture
def reviewed_item(penalty_item):
    """The item's flowchart has a legal review (法制审核) before the decision."""
    steps = [("立案", "law_enforcer"), ("调查取证", "law_enforcer"), ("告知", "law_enforcer")]
    steps += [("法制审核", "legal_reviewer"), ("决定", "dept_head"), ("送达执行", "law_enforcer")]
    for position, (name, role) in enumerate(steps, start=1):
        penalty_item.steps.create(position=position, name=name, role=role, days_limit=5)
    return penalty_item


def _step(page, action: str, *, expect_state: str, select=None, **fields) -> None:
    """Unfold the step's form on the case page, fill it, submit it, wait for the new state."""
    unfold(
        page,
        f'[data-testid="transition"][data-action="{action}"] > button[data-bs-toggle="collapse"]',
        f"#action-{action}",
    )
    form = page.get_by_test_id(f"transition-form-{action}")
    for name, value in (select or {}).items():
        form.locator(f'select[name="{name}"]').select_option(value)
    for name, value in fields.items():
        form.locator(f'[name="{name}"]').fill(value)
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("case-state")).to_have_attribute("data-state", expect_state)
    expect(page.locator("#content > .alert-success")).to_be_visible()


def test_a_penalty_case_from_clue_to_public_decision(page, new_page, reviewed_item, enforcers, tmp_path):
    # The officer records a clue.
    log_in(page, enforcers["officer"].username, "/penalties/")
    page.get_by_test_id("new-clue").click()
    form = page.get_by_test_id("clue-form")
    form.locator('select[name="item"]').select_option(str(reviewed_item.pk))
    form.locator('input[name="party_name"]').fill("李四")
    form.locator('input[name="party_id_number"]').fill("110101199001011237")
    form.locator('input[name="party_mobile"]').fill("13912345678")
    form.locator('textarea[name="clue"]').fill("群众举报：幸福路 8 号无证经营熟食。")
    form.locator("button[type=submit]").click()
    case = PenaltyCase.objects.get()
    page.wait_for_url(f"**/penalties/{case.number}/")
    expect(page.get_by_test_id("case-state")).to_have_attribute("data-state", PenaltyState.CLUE)

    # Registers, investigates and informs the party: the system proposes the level's range.
    _step(page, "register", expect_state=PenaltyState.REGISTERED, opinion="经初步核实，予以立案。")
    _step(page, "investigate", expect_state=PenaltyState.INVESTIGATING, opinion="现场检查，制作询问笔录。")
    _step(
        page,
        "inform",
        expect_state=PenaltyState.INFORMED,
        select={"level": "general"},
        facts="李四自2026年9月起在幸福路8号无证经营熟食，货值金额3200元。",
        proposed_amount="65000",
        opinion="已告知陈述、申辩和听证的权利。",
    )
    expect(page.get_by_test_id("proposal")).to_contain_text("60001 – 75000")
    expect(page.locator('[data-testid="standard"][data-level="general"]')).to_have_attribute("aria-current", "true")
    expect(page.locator('[data-testid="transition"][data-action="decide"]')).to_have_count(0)  # the head's
    _step(page, "submit_review", expect_state=PenaltyState.LEGAL_REVIEW, opinion="调查终结，提请法制审核。")

    # The legal reviewer passes the review; until then the head has no decision to take.
    legal = new_page()
    log_in(legal, enforcers["legal"].username, f"/penalties/{case.number}/")
    expect(legal.locator('[data-testid="transition"][data-action="return_review"]')).to_have_count(1)
    _step(legal, "pass_review", expect_state=PenaltyState.REVIEWED, opinion="事实清楚，证据确凿，裁量适当。")

    # The head decides within the proposed range (the proposed fine is filled in).
    head = new_page()
    log_in(head, enforcers["head"].username, f"/penalties/{case.number}/")
    unfold(head, '[data-testid="transition"][data-action="decide"] > button', "#action-decide")
    expect(head.locator('#action-decide input[name="amount"]')).to_have_value("65000.00")
    _step(head, "decide", expect_state=PenaltyState.DECIDED, decision="没收违法所得，并处罚款。")
    expect(head.get_by_test_id("decision-document")).to_be_visible()
    expect(head.get_by_test_id("out-of-range")).to_have_count(0)
    head.screenshot(path=tmp_path / "penalty-case.png", full_page=True)

    # The officer records the execution and closes the case.
    page.reload()
    _step(page, "execute", expect_state=PenaltyState.EXECUTED, opinion="当事人已缴纳罚款。")
    _step(page, "close", expect_state=PenaltyState.CLOSED, opinion="执行完毕，予以结案。")
    expect(page.get_by_test_id("no-transitions")).to_be_visible()
    actions = page.locator('[data-testid="trail-entry"]').evaluate_all("els => els.map(e => e.dataset.action)")
    assert actions == [
        "receive",
        "register",
        "investigate",
        "inform",
        "submit_review",
        "pass_review",
        "decide",
        "execute",
        "close",
    ]

    # Anyone reads the decision on the public page, the party's personal data masked.
    public = new_page()
    public.goto("/public/penalties/")
    decision = public.locator(f'[data-testid="public-penalty"][data-number="{case.number}"]')
    expect(decision.get_by_test_id("party")).to_have_text("李**")
    expect(decision.get_by_test_id("id-number")).to_have_text("1101**********1237")
    expect(decision.get_by_test_id("mobile")).to_have_text("139****5678")
    expect(decision.get_by_test_id("facts")).to_contain_text("李**自2026年9月起")
    assert "李四" not in public.content()
    public.screenshot(path=tmp_path / "public-penalties.png", full_page=True)
