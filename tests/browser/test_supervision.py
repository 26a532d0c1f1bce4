"""Supervision in Chromium: a late case turns red on the dashboard and goes through a supervision
order; a bad rating is visited and rectified where the citizen can see it."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from supervision.models import Alert
from supervision.services.sweep import sweep
from tests.browser.conftest import log_in, unfold
from tests.factories import UserFactory
from tests.workflow import conftest as workflow_fixtures
from workflow.services import cases as services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

department = workflow_fixtures.department
item = workflow_fixtures.item
staff = workflow_fixtures.staff
citizen = workflow_fixtures.citizen
file_case = workflow_fixtures.file_case


def _act(page, action: str, **fields) -> None:
    """Unfold the alert action's form, fill it, submit it."""
    unfold(
        page,
        f'[data-testid="alert-action"][data-action="{action}"] > button[data-bs-toggle="collapse"]',
        f"#action-{action}",
    )
    form = page.get_by_test_id(f"alert-action-form-{action}")
    expect(form).to_be_visible()
    for name, value in fields.items():
        form.locator(f'[name="{name}"]').fill(value)
    form.locator("button[type=submit]").click()


def _expect_state(page, state: str) -> None:
    expect(page.get_by_test_id("alert-state")).to_have_attribute("data-state", state)


def test_a_late_case_is_red_on_the_dashboard_and_its_supervision_order_is_answered_and_closed(
    new_page, file_case, staff
):
    with time_machine.travel(timezone.now() - timedelta(days=40)):
        case = file_case()
        services.case_accept(case=case, user=staff["window_clerk"], opinion="材料齐全，予以受理")
    sweep()  # what beat does every minute
    UserFactory(username="inspector-1", role="inspector")

    inspector = new_page()
    log_in(inspector, "inspector-1", "/supervision/")
    red_row = inspector.locator(f'[data-testid="alert-row"][data-level="red"]:has-text("{case.number}")')
    expect(red_row.first).to_be_visible()
    red_row.first.locator("a").first.click()
    expect(inspector.get_by_test_id("case-link")).to_have_text(case.number)
    _act(inspector, "order", instructions="请说明超期原因并于三日内办结。")
    _expect_state(inspector, "ordered")
    alert_url = inspector.url

    head = new_page()
    log_in(head, staff["dept_head"].username, "/supervision/orders/")
    head.get_by_test_id("answer-link").first.click()
    _act(head, "answer", answer="承办人病假导致积压，已调配人员，本周内办结。")
    _expect_state(head, "answered")

    inspector.goto(alert_url)
    expect(inspector.get_by_test_id("order-answer")).to_contain_text("已调配人员")
    _act(inspector, "close", conclusion="说明属实，整改措施可行，予以关闭。")
    _expect_state(inspector, "closed")

    events = inspector.locator('[data-testid="alert-event"]').evaluate_all("els => els.map(e => e.dataset.action)")
    assert events[-3:] == ["order", "answer", "close"]
    assert Alert.objects.get(case=case, rule__code="T1").state == "closed"


def test_a_bad_rating_is_visited_and_rectified_and_the_citizen_sees_it(new_page, file_case, staff, citizen):
    case = file_case()
    services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")
    services.case_advance(case=case, user=staff["reviewer"], opinion="符合条件")
    services.case_approve(case=case, user=staff["approver"], opinion="准予许可")
    services.case_conclude(case=case, user=staff["window_clerk"], opinion="已送达")

    applicant = new_page()
    log_in(applicant, citizen.username, f"/my/{case.number}/")
    applicant.get_by_test_id("rate-link").click()
    applicant.locator('input[name="grade"][value="2"]').check()
    applicant.locator('textarea[name="comment"]').fill("窗口人员态度生硬。")
    applicant.get_by_test_id("rating-submit").click()
    expect(applicant.get_by_test_id("rating").first).to_contain_text("窗口人员态度生硬")

    sweep()
    assert Alert.objects.get(rule__code="E1").level == "yellow"

    head = new_page()
    log_in(head, staff["dept_head"].username, "/supervision/ratings/")
    head.locator('[data-testid="rating-row"] a').first.click()
    visit = head.get_by_test_id("return-visit-form")
    visit.locator('[name="note"]').fill("已电话回访，当事窗口人员当面致歉。")
    visit.locator("button[type=submit]").click()
    fix = head.get_by_test_id("rectification-form")
    fix.locator('[name="note"]').fill("窗口服务规范已重新培训，纳入月度考核。")
    fix.locator("button[type=submit]").click()
    expect(head.get_by_test_id("rectification")).to_contain_text("重新培训")

    applicant.goto(f"/my/{case.number}/rating/")
    expect(applicant.get_by_test_id("return-visit")).to_contain_text("当面致歉")
    expect(applicant.get_by_test_id("rectification")).to_contain_text("纳入月度考核")
    sweep()
    assert Alert.objects.get(rule__code="E1").state == "closed"
