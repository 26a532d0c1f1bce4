import pytest

from tests.factories import PASSWORD, DepartmentFactory, PowerItemFactory, UserFactory

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


CATALOGUE_CSV = (
    "事项编码,事项名称,事项类型,实施主体编码,设定依据,法定时限（工作日）,承诺时限（工作日）,办理环节,申请材料\n"
    "XK-YG-ZJJ-0001,建筑工程施工许可证核发,行政许可,YG-ZJJ,《中华人民共和国建筑法》第七条,15,7,"
    '"受理|窗口人员|1\n审查|审查人员|4\n决定|审批人员|2","施工许可申请表|是|1"\n'
)


def test_an_administrator_imports_a_file_and_a_citizen_then_finds_the_item(page, celery_worker, tmp_path):
    DepartmentFactory(code="YG-ZJJ", name="阳光区住房和城乡建设局")
    UserFactory(username="admin", name="系统管理员", is_staff=True, is_superuser=True)
    upload = tmp_path / "目录.csv"
    upload.write_text(CATALOGUE_CSV, encoding="gb18030")

    page.goto("/admin/login/?next=/admin/powers/poweritem/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit]").click()
    page.locator('a[href$="/admin/powers/poweritem/import/"]').click()
    page.set_input_files("#id_file", str(upload))
    page.locator("#content-main input[type=submit]").click()
    page.wait_for_url("**/admin/powers/poweritem/import/*/")
    # The job page polls with htmx until the worker has finished.
    page.locator("table.import-figures").wait_for(timeout=30_000)
    assert page.locator("table.import-figures td").first.inner_text() == "1"

    page.context.clear_cookies()
    page.goto("/catalogue/")
    page.get_by_test_id("catalogue-q").fill("施工许可")
    page.get_by_test_id("catalogue-submit").click()
    page.wait_for_url("**/catalogue/?q=*")
    assert page.get_by_test_id("result").first.get_attribute("data-code") == "XK-YG-ZJJ-0001"
    page.get_by_role("link", name="建筑工程施工许可证核发").click()
    assert page.locator('[data-testid="flowchart"] g.flowchart-step').count() == 3
