"""The supervision charts draw under the Content-Security-Policy: Chromium reports no refused
script, style or image on the dashboard and the statistics page, tooltips included."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from portal.models import User
from powers.constants import NOT_APPLIED_FOR, Status
from powers.models import PowerItem
from tests.workflow.conftest import pdf_upload
from workflow.models import Case
from workflow.services.cases import Upload, case_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _file_in_another_department() -> None:
    """The demo's cases sit in one department; the statistics chart compares two or more."""
    citizen = User.objects.get(username="13800000001")
    item = (
        PowerItem.objects.filter(status=Status.PUBLISHED)
        .exclude(category__in=NOT_APPLIED_FOR)
        .exclude(department__in=Case.objects.values("department"))
        .first()
    )
    uploads = [
        Upload(material, pdf_upload(f"{material.name}.pdf")) for material in item.materials.filter(required=True)
    ]
    case_file(
        applicant=citizen,
        item=item,
        applicant_name=citizen.name,
        applicant_id_number=citizen.id_number,
        applicant_mobile=citizen.mobile,
        uploads=uploads,
    )


@pytest.fixture
def inspector_page(new_page):
    call_command("seed_demo", stdout=io.StringIO())
    _file_in_another_department()
    page = new_page()
    refused = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.on("pageerror", lambda error: refused.append(str(error)))
    page.goto("/accounts/login/?next=/supervision/")
    page.locator('#content input[name="username"]').fill("inspector")
    page.locator('#content input[name="password"]').fill(DEMO_PASSWORD)
    page.locator("#content form button[type=submit]").click()
    page.wait_for_url("**/supervision/")
    return page, refused


def _hover_over(page, chart: str) -> None:
    """Draws the chart's tooltip, which ECharts renders on its canvas, not as styled HTML."""
    box = page.locator(chart).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)


@pytest.mark.parametrize(
    ("url", "chart"), [("/supervision/", "#alert-trend-chart"), ("/supervision/stats/", "#stats-chart")]
)
def test_the_charts_draw_without_a_policy_violation(inspector_page, url, chart):
    page, refused = inspector_page

    page.goto(url)
    expect(page.locator(f"{chart} canvas")).to_have_count(1)
    _hover_over(page, chart)

    assert refused == []
