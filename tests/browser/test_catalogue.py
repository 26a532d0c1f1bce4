import pytest

from tests.factories import DepartmentFactory, PowerItemFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_citizen_finds_an_item_and_reads_its_flowchart(page):
    department = DepartmentFactory(code="YG-SJJ", name="阳光区市场监督管理局")
    item = PowerItemFactory(
        published=True, steps=3, code="XK-SJJ-0001", name="食品经营许可证核发", department=department
    )
    item.materials.create(position=1, name="食品经营许可申请书")
    PowerItemFactory(published=True, code="XK-WJJ-0001", name="医疗机构执业登记", legal_basis="《医疗机构管理条例》")

    page.goto("/")
    page.locator('[data-testid="nav"] a[href="/catalogue/"]').click()
    page.wait_for_url("**/catalogue/")
    assert page.get_by_test_id("result").count() == 2

    page.get_by_test_id("catalogue-q").fill("经营许可")
    page.get_by_test_id("catalogue-submit").click()
    page.wait_for_url("**/catalogue/?q=*")
    results = page.get_by_test_id("result")
    assert results.count() == 1
    assert results.first.get_attribute("data-code") == "XK-SJJ-0001"

    page.get_by_role("link", name="食品经营许可证核发").click()
    page.wait_for_url("**/catalogue/XK-SJJ-0001/")
    assert page.get_by_test_id("item-name").inner_text() == "食品经营许可证核发"
    assert "食品经营许可申请书" in page.get_by_test_id("materials").inner_text()

    flowchart = page.locator('[data-testid="flowchart"] svg[role="img"]')
    assert flowchart.is_visible()
    assert flowchart.locator("g.flowchart-step").count() == 3
    assert flowchart.locator("text.flowchart-name").all_text_contents() == ["环节1", "环节2", "环节3"]
    box = flowchart.bounding_box()
    assert box["width"] > 200 and box["height"] > 300  # drawn, not collapsed
