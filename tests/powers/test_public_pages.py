"""The public catalogue pages (external zone): search, facets, pages, the item's guide, its flowchart,
the cleanup figures. Assertions are on data, URLs and test ids, not on translated wording."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import translation

from powers.models import DiscretionStandard, PowerItem
from powers.public_selectors import search_filter
from tests.factories import DepartmentFactory, PowerItemFactory

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def _codes(response) -> list[str]:
    return re.findall(r'data-testid="result" data-code="([^"]+)"', response.content.decode())


def _facets(response, name: str) -> dict[str, tuple[int, bool]]:
    facets = getattr(response.context["search"], name)
    return {facet.value: (facet.count, facet.selected) for facet in facets}


def _inline_svg(response) -> ET.Element:
    markup = re.search(r"<svg .*?</svg>", response.content.decode(), re.S).group(0)
    return ET.fromstring(markup)


def _step_boxes(svg: ET.Element) -> list[ET.Element]:
    return [group for group in svg.iter(f"{SVG}g") if group.get("class") == "flowchart-step"]


def _box_name(box: ET.Element) -> str:
    return "".join(text.text for text in box.iter(f"{SVG}text") if text.get("class") == "flowchart-name")


# ---------------------------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------------------------


def test_a_chinese_fragment_of_a_name_finds_the_item(client):
    PowerItemFactory(published=True, code="XK-SJJ-0001", name="食品经营许可证核发")
    PowerItemFactory(published=True, code="XK-SJJ-0002", name="药品零售企业审批")

    response = client.get("/catalogue/", {"q": "经营许可"})

    assert response.status_code == 200
    assert _codes(response) == ["XK-SJJ-0001"]
    assert "食品经营许可证核发" in response.content.decode()


def test_a_fragment_of_the_code_finds_the_item_whatever_its_case(client):
    PowerItemFactory(published=True, code="XK-SJJ-0042", name="食品生产许可")
    PowerItemFactory(published=True, code="XK-WJJ-0042", name="医疗机构执业登记")

    assert _codes(client.get("/catalogue/", {"q": "sjj-004"})) == ["XK-SJJ-0042"]


def test_a_fragment_of_the_legal_basis_finds_the_item(client):
    PowerItemFactory(published=True, code="XK-1", name="甲", legal_basis="《中华人民共和国药品管理法》第五十一条")
    PowerItemFactory(published=True, code="XK-2", name="乙", legal_basis="《中华人民共和国食品安全法》第三十五条")

    assert _codes(client.get("/catalogue/", {"q": "食品安全法》第三十五"})) == ["XK-2"]


def test_every_term_of_a_spaced_query_must_match(client):
    PowerItemFactory(published=True, code="XK-1", name="食品经营许可", legal_basis="食品安全法")
    PowerItemFactory(published=True, code="XK-2", name="食品生产许可", legal_basis="食品安全法")

    assert _codes(client.get("/catalogue/", {"q": "食品  经营"})) == ["XK-1"]


def test_like_wildcards_in_the_query_are_taken_literally(client):
    PowerItemFactory(published=True, code="XK-1", name="食品经营许可")

    assert _codes(client.get("/catalogue/", {"q": "%"})) == []
    assert _codes(client.get("/catalogue/", {"q": "食_经营"})) == []
    assert _codes(client.get("/catalogue/", {"q": "xk%"})) == []
    assert _codes(client.get("/catalogue/", {"q": "x_-1"})) == []
    assert _codes(client.get("/catalogue/", {"q": "xk-1"})) == ["XK-1"]


def test_the_query_is_escaped_where_the_page_repeats_it(client):
    page = client.get("/catalogue/", {"q": '"><script>alert(1)</script>'}).content.decode()

    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)" in page


def test_without_a_query_every_published_item_is_listed_by_code(client):
    for code in ["XK-3", "XK-1", "XK-2"]:
        PowerItemFactory(published=True, code=code)

    assert _codes(client.get("/catalogue/")) == ["XK-1", "XK-2", "XK-3"]


@pytest.mark.parametrize("status", ["draft", "in_review", "superseded", "abolished"])
def test_an_item_not_in_force_never_appears_and_its_page_is_a_404(client, status):
    PowerItemFactory(status=status, code="XK-HIDDEN-1", name="隐藏的事项")

    assert _codes(client.get("/catalogue/")) == []
    assert _codes(client.get("/catalogue/", {"q": "隐藏"})) == []
    assert client.get("/catalogue/XK-HIDDEN-1/").status_code == 404
    assert client.get("/catalogue/XK-HIDDEN-1/flowchart.svg").status_code == 404


def test_a_superseded_code_shows_the_version_in_force(client):
    PowerItemFactory(status="superseded", code="XK-SJJ-0007", version=1, name="旧版食品经营许可")
    PowerItemFactory(published=True, code="XK-SJJ-0007", version=2, name="新版食品经营许可")
    PowerItemFactory(status="draft", code="XK-SJJ-0007", version=3, name="草稿食品经营许可")

    page = client.get("/catalogue/XK-SJJ-0007/").content.decode()

    assert "新版食品经营许可" in page
    assert "旧版" not in page and "草稿" not in page
    assert _codes(client.get("/catalogue/", {"q": "食品经营"})) == ["XK-SJJ-0007"]
    assert _codes(client.get("/catalogue/", {"q": "旧版"})) == []


def test_an_unknown_code_is_a_404(client):
    assert client.get("/catalogue/XK-NOPE-0001/").status_code == 404
    assert client.get("/catalogue/XK-NOPE-0001/flowchart.svg").status_code == 404


def test_an_invalid_filter_is_ignored_and_the_page_still_answers(client):
    PowerItemFactory(published=True, code="XK-1")

    response = client.get("/catalogue/", {"category": "ZZ", "q": "x" * 500})

    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"category", "q"}
    assert _codes(response) == ["XK-1"]


# ---------------------------------------------------------------------------------------------
# Facets and pages
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def faceted():
    """Market supervision: two licences and a penalty; health: one licence; a draft not counted."""
    market = DepartmentFactory(code="YG-SJJ", name="阳光区市场监督管理局")
    health = DepartmentFactory(code="YG-WJJ", name="阳光区卫生健康局")
    PowerItemFactory(published=True, code="XK-SJJ-1", name="食品经营许可", department=market)
    PowerItemFactory(published=True, code="XK-SJJ-2", name="食品生产许可", department=market)
    PowerItemFactory(published=True, code="CF-SJJ-1", name="对无证经营食品的处罚", category="CF", department=market)
    PowerItemFactory(published=True, code="XK-WJJ-1", name="食品卫生许可", department=health)
    PowerItemFactory(code="XK-WJJ-2", name="食品草稿许可", department=health)


def test_facets_count_the_current_search(client, faceted):
    response = client.get("/catalogue/", {"q": "食品"})

    assert _facets(response, "departments") == {"YG-SJJ": (3, False), "YG-WJJ": (1, False)}
    assert _facets(response, "categories") == {"XK": (3, False), "CF": (1, False)}
    assert response.context["page_obj"].paginator.count == 4

    narrower = client.get("/catalogue/", {"q": "许可"})
    assert _facets(narrower, "departments") == {"YG-SJJ": (2, False), "YG-WJJ": (1, False)}
    assert _facets(narrower, "categories") == {"XK": (3, False)}


def test_a_department_facet_narrows_the_results_and_the_category_counts(client, faceted):
    response = client.get("/catalogue/", {"q": "食品", "department": "YG-SJJ"})

    assert _codes(response) == ["CF-SJJ-1", "XK-SJJ-1", "XK-SJJ-2"]
    assert _facets(response, "categories") == {"XK": (2, False), "CF": (1, False)}
    # The department facet still offers the other department, counted without its own filter.
    assert _facets(response, "departments") == {"YG-SJJ": (3, True), "YG-WJJ": (1, False)}


def test_both_facets_together(client, faceted):
    response = client.get("/catalogue/", {"department": "YG-SJJ", "category": "XK"})

    assert _codes(response) == ["XK-SJJ-1", "XK-SJJ-2"]
    assert _facets(response, "departments") == {"YG-SJJ": (2, True), "YG-WJJ": (1, False)}
    assert _facets(response, "categories") == {"XK": (2, True), "CF": (1, False)}


def test_facet_links_add_and_remove_a_filter_and_keep_the_query(client, faceted):
    page = client.get("/catalogue/", {"q": "食品", "category": "XK"}).content.decode()

    assert 'href="/catalogue/?q=%E9%A3%9F%E5%93%81&amp;department=YG-WJJ&amp;category=XK"' in page  # add
    assert 'href="/catalogue/?q=%E9%A3%9F%E5%93%81"' in page  # remove the category
    assert page.count('data-testid="active-filter"') == 1


def test_a_selected_department_without_matches_is_shown_with_no_results(client, faceted):
    response = client.get("/catalogue/", {"department": "YG-NONE"})

    assert _codes(response) == []
    assert 'data-testid="no-results"' in response.content.decode()
    assert _facets(response, "departments")["YG-NONE"] == (0, True)


def test_pagination_twenty_a_page_keeping_the_query_string(client):
    department = DepartmentFactory(code="YG-SJJ")
    for n in range(45):
        PowerItemFactory(published=True, code=f"XK-{n:03d}", name=f"食品经营许可{n}", department=department)
    PowerItemFactory(published=True, code="XK-999", name="不相干的事项", legal_basis="建筑法", department=department)

    first = client.get("/catalogue/", {"q": "食品", "department": "YG-SJJ"})
    third = client.get("/catalogue/", {"q": "食品", "department": "YG-SJJ", "page": 3})
    beyond = client.get("/catalogue/", {"q": "食品", "department": "YG-SJJ", "page": 99})

    assert _codes(first) == [f"XK-{n:03d}" for n in range(20)]
    assert _codes(third) == [f"XK-{n:03d}" for n in range(40, 45)]
    assert _codes(beyond) == _codes(third)
    assert first.context["page_obj"].paginator.num_pages == 3
    assert 'href="/catalogue/?q=%E9%A3%9F%E5%93%81&amp;department=YG-SJJ&amp;page=2"' in first.content.decode()


# ---------------------------------------------------------------------------------------------
# The item page
# ---------------------------------------------------------------------------------------------


def test_the_item_page_shows_the_guide_and_the_flowchart(client):
    item = PowerItemFactory(
        published=True,
        steps=3,
        code="XK-SJJ-0001",
        name="食品经营许可证核发",
        conditions="有与经营的食品品种、数量相适应的经营场所",
        legal_days=20,
        promised_days=7,
        extension_days=10,
        fee_standard="",
        rights="申请人依法享有陈述权、申辩权",
        complaint_channel="12345 政务服务便民热线",
    )
    item.materials.create(position=1, name="食品经营许可申请书", required=True, copies=2)
    item.materials.create(
        position=2,
        name="营业执照复印件",
        required=False,
        form_template=SimpleUploadedFile("template.docx", b"PK\x03\x04 a form"),
    )

    response = client.get("/catalogue/XK-SJJ-0001/")
    page = response.content.decode()

    assert response.status_code == 200
    for text in ["食品经营许可证核发", "XK-SJJ-0001", item.department.name, item.conditions, item.legal_basis]:
        assert text in page
    assert item.rights in page and item.complaint_channel in page
    materials = re.findall(r'data-testid="material">(.*?)</li>', page, re.S)
    assert len(materials) == 2
    assert "食品经营许可申请书" in materials[0] and "营业执照复印件" in materials[1]
    assert 'data-testid="template"' not in materials[0]
    assert item.materials.get(position=2).form_template.url in materials[1]
    assert re.search(r'data-testid="legal-days">\D*20\D', page)
    assert re.search(r'data-testid="promised-days">\D*7\D', page)
    assert re.search(r'data-testid="extension">\D*10\D', page)
    with translation.override("zh-hans"):
        assert re.search(rf'data-testid="fee">{translation.gettext("No fee")}<', page)

    svg = _inline_svg(response)
    assert svg.get("role") == "img" and "食品经营许可证核发" in svg.get("aria-label")
    boxes = _step_boxes(svg)
    assert [box.get("data-position") for box in boxes] == ["1", "2", "3"]
    assert [_box_name(box) for box in boxes] == ["环节1", "环节2", "环节3"]
    assert 'href="/catalogue/XK-SJJ-0001/flowchart.svg"' in page


def test_a_fee_is_shown_with_its_basis(client):
    PowerItemFactory(published=True, code="XK-1", fee_standard="工本费每证10元", fee_basis="财综〔2012〕97号")

    page = client.get("/catalogue/XK-1/").content.decode()

    fees = re.search(r'data-testid="fees">(.*?)</section>', page, re.S).group(1)
    assert "工本费每证10元" in fees and "财综〔2012〕97号" in fees
    assert 'href="#fees"' in page


def test_a_penalty_item_shows_its_discretion_standards(client):
    item = PowerItemFactory(published=True, code="CF-SJJ-0001", category="CF", name="对无证经营的处罚")
    for level, low, high in [("minor", 0, 500), ("general", 500, 5000), ("serious", 5000, 20000)]:
        DiscretionStandard.objects.create(
            item=item, level=level, circumstances=f"情节{level}", amount_min=low, amount_max=high
        )

    page = client.get("/catalogue/CF-SJJ-0001/").content.decode()

    rows = re.findall(r'<tr data-testid="standard">(.*?)</tr>', page, re.S)
    assert len(rows) == 3
    assert "情节general" in rows[1] and "500" in rows[1] and "5000" in rows[1]


def test_a_licence_page_has_no_standards_section(client):
    PowerItemFactory(published=True, code="XK-1")

    assert 'data-testid="standards"' not in client.get("/catalogue/XK-1/").content.decode()


def test_the_apply_button_appears_only_for_items_citizens_apply_for(client):
    PowerItemFactory(published=True, code="XK-1")
    PowerItemFactory(published=True, code="CF-1", category="CF")

    assert re.search(
        r'<a [^>]*href="/apply/XK-1/" data-testid="apply"', client.get("/catalogue/XK-1/").content.decode()
    )
    # Nobody applies for a penalty: the authority starts those.
    assert 'data-testid="apply"' not in client.get("/catalogue/CF-1/").content.decode()


# ---------------------------------------------------------------------------------------------
# flowchart.svg
# ---------------------------------------------------------------------------------------------


def test_the_flowchart_svg_alone_is_an_escaped_svg_picture(client):
    item = PowerItemFactory(published=True, code="XK-EVIL-1", name="<script>alert(1)</script>许可")
    item.steps.create(position=1, name="受理 <script>alert('x')</script> & 审查", role="window_clerk", days_limit=1)

    response = client.get("/catalogue/XK-EVIL-1/flowchart.svg")
    body = response.content.decode()

    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == "image/svg+xml"
    assert "<script" not in body
    assert "&lt;script&gt;" in body and "&amp; 审查" in body
    svg = ET.fromstring(body)
    assert svg.tag == f"{SVG}svg"
    assert "<script>alert(1)</script>许可" in svg.get("aria-label")
    assert len(_step_boxes(svg)) == 1
    assert "<script>alert" not in client.get("/catalogue/XK-EVIL-1/").content.decode()


def test_the_item_page_and_the_svg_carry_the_same_picture(client):
    PowerItemFactory(published=True, steps=4, code="XK-1")

    page = client.get("/catalogue/XK-1/").content.decode()
    alone = client.get("/catalogue/XK-1/flowchart.svg").content.decode()

    assert alone in page


# ---------------------------------------------------------------------------------------------
# Transparency: the cleanup figures
# ---------------------------------------------------------------------------------------------


def test_the_transparency_page_counts_the_cleanup_per_department(client):
    market = DepartmentFactory(code="YG-A", name="甲局")
    health = DepartmentFactory(code="YG-B", name="乙局")
    DepartmentFactory(code="YG-C", name="丙局")  # no items: no row
    for n, cleanup in enumerate(["retained", "retained", "merged", "added"]):
        PowerItemFactory(published=True, department=market, code=f"A-{n}", cleanup_status=cleanup, merged_into="A-0")
    PowerItemFactory(status="abolished", department=market, code="A-9", cleanup_status="cancelled")
    PowerItemFactory(status="draft", department=market, code="A-10", cleanup_status="added")
    PowerItemFactory(published=True, department=health, code="B-1")
    PowerItemFactory(status="superseded", department=health, code="B-1", version=0)

    response = client.get("/catalogue/transparency/")

    figures = [
        (row.code, row.retained, row.cancelled, row.merged, row.added, row.total) for row in response.context["rows"]
    ]
    assert figures == [("YG-A", 2, 1, 1, 1, 5), ("YG-B", 1, 0, 0, 0, 1)]
    totals = response.context["totals"]
    assert (totals.retained, totals.cancelled, totals.merged, totals.added, totals.total) == (3, 1, 1, 1, 6)
    total_row = re.search(r'data-testid="figures-total">(.*?)</tr>', response.content.decode(), re.S).group(1)
    assert re.findall(r'data-figure="(\w+)"[^>]*>(\d+)<', total_row) == [
        ("retained", "3"),
        ("cancelled", "1"),
        ("merged", "1"),
        ("added", "1"),
        ("total", "6"),
    ]


# ---------------------------------------------------------------------------------------------
# Zones and query counts
# ---------------------------------------------------------------------------------------------


PUBLIC_PATHS = ["/catalogue/", "/catalogue/?q=食品", "/catalogue/XK-1/", "/catalogue/XK-1/flowchart.svg"]


@pytest.mark.parametrize("url", [*PUBLIC_PATHS, "/catalogue/transparency/"])
def test_the_pages_are_served_on_the_external_zone_and_not_on_the_internal_one(client, zone, url):
    PowerItemFactory(published=True, steps=2, code="XK-1")

    zone("external")
    assert client.get(url).status_code == 200
    zone("internal")
    assert client.get(url).status_code == 404


def test_the_menu_links_to_the_catalogue_on_the_external_zone(client, zone):
    zone("external")

    assert 'href="/catalogue/"' in client.get("/").content.decode()


@pytest.fixture
def many_items():
    departments = [DepartmentFactory(code=f"YG-{n}") for n in range(3)]
    for n in range(30):
        item = PowerItemFactory(
            published=True, steps=5, code=f"XK-{n:03d}", department=departments[n % 3], category="XK" if n % 2 else "CF"
        )
        for position in range(1, 6):
            item.materials.create(position=position, name=f"材料{position}")
        if item.is_penalty:
            DiscretionStandard.objects.create(
                item=item, level="minor", circumstances="轻微", amount_min=0, amount_max=1
            )


def test_the_list_page_takes_three_queries_whatever_the_results(client, many_items, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = client.get("/catalogue/", {"q": "食品", "department": "YG-1", "page": 1})
    assert len(_codes(response)) == 10
    with django_assert_max_num_queries(3):
        assert len(_codes(client.get("/catalogue/"))) == 20


def test_the_item_page_takes_three_queries_four_for_a_penalty(client, many_items, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = client.get("/catalogue/XK-001/")
    assert len(_step_boxes(_inline_svg(response))) == 5
    assert response.content.decode().count('data-testid="material"') == 5
    with django_assert_max_num_queries(4):
        response = client.get("/catalogue/XK-000/")
    assert response.content.decode().count('data-testid="standard"') == 1


def test_the_flowchart_and_the_figures_take_few_queries(client, many_items, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert client.get("/catalogue/XK-001/flowchart.svg").status_code == 200
    with django_assert_max_num_queries(1):
        assert client.get("/catalogue/transparency/").status_code == 200


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only")
@pytest.mark.parametrize(("q", "index"), [("经营许可", "name"), ("xk-mzj", "code"), ("食品安全法》", "legal_basis")])
def test_on_postgresql_the_search_can_use_the_trigram_indexes(q, index):
    department = DepartmentFactory()
    PowerItem.objects.bulk_create(
        PowerItem(
            code=f"XK-SJJ-{n:04d}" if n % 100 else f"XK-MZJ-{n:04d}",
            name=f"事项{n}" if n % 100 else "食品经营许可",
            category="XK",
            department=department,
            legal_basis=f"《法规{n}》" if n % 100 else "《中华人民共和国食品安全法》",
            legal_days=20,
            promised_days=10,
            status="published",
        )
        for n in range(2000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE powers_poweritem")
        # With a few rows the planner would rather scan the table, or walk a btree index and filter.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")

    plan = PowerItem.objects.published().filter(search_filter(q)).order_by().explain()

    assert f"Bitmap Index Scan on powers_poweritem_{index}_trgm" in plan
