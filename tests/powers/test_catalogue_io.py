"""Catalogue import and export: the file format, validation, versions, commands, worker and admin.

Error messages are translated later, so tests assert on an error's row, column and code, never on
its wording; Chinese in these tests is data (headers, names, the format's words).
"""

import csv
import io
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from guardian.shortcuts import assign_perm
from openpyxl import Workbook, load_workbook

from portal.models import Department
from powers import services
from powers.catalogue_io import CatalogueRejected, catalogue_export, catalogue_import
from powers.catalogue_io.format import COLUMNS
from powers.constants import Status
from powers.models import DiscretionStandard, ImportJob, Material, PowerItem, Step
from powers.tasks import catalogue_import_run
from tests.factories import DepartmentFactory, PowerItemFactory, UserFactory

GUANGAN = Path(__file__).parent / "data" / "guangan-items.csv"
FIELDS = [column.field for column in COLUMNS]
CHINESE = {column.field: column.header for column in COLUMNS}
ENGLISH = {field: field for field in FIELDS}
CODE = "XK-YG-SJJ-0001"


def item_row(code: str = CODE, **cells: str) -> dict[str, str]:
    """A valid row of the format, cells by English field name."""
    return {
        "code": code,
        "name": "食品经营许可",
        "category": "XK",
        "department_code": "YG-SJJ",
        "department_name": "阳光区市场监督管理局",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        "conditions": "有与经营的食品品种、数量相适应的经营场所",
        "legal_days": "20",
        "promised_days": "10",
        "extension_days": "10",
        "is_immediate": "否",
        "fee_standard": "",
        "fee_basis": "",
        "rights": "申请人依法享有陈述权、申辩权",
        "complaint_channel": "12345 政务服务热线",
        "cleanup_status": "保留",
        "merged_into": "",
        "steps": "受理|窗口人员|1\n审查|审查人员|5|审查标准不统一\n决定|审批人员|2",
        "materials": "食品经营许可申请书|是|1\n营业执照复印件|是|1\n健康证明|否|2",
        "standards": "",
        "legal_fine_min": "",
        "legal_fine_max": "",
    } | cells


def write_csv(path: Path, rows: list[dict], *, headers: dict = CHINESE, encoding: str = "utf-8-sig") -> Path:
    fields = [field for field in FIELDS if field in headers]
    with open(path, "w", encoding=encoding, newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow([headers[field] for field in fields])
        writer.writerows([row[field] for field in fields] for row in rows)
    return path


def write_xlsx(path: Path, rows: list[dict]) -> Path:
    workbook = Workbook()
    workbook.active.append([CHINESE[field] for field in FIELDS])
    for row in rows:
        workbook.active.append([row[field] for field in FIELDS])
    workbook.save(path)
    return path


def rejected(path: Path, user, **options) -> list:
    with pytest.raises(CatalogueRejected) as refusal:
        catalogue_import(source=path, user=user, **options)
    return refusal.value.errors


def where(errors) -> set[tuple]:
    return {(error.row, error.column, error.code) for error in errors}


def published(code: str = CODE) -> PowerItem:
    return PowerItem.objects.published().get(code=code)


# --- importing --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_code_becomes_a_published_version_1_with_its_steps_and_materials(tmp_path, editor, department):
    summary = catalogue_import(source=write_csv(tmp_path / "c.csv", [item_row()]), user=editor)

    item = published()
    assert (summary.created, summary.new_versions, summary.unchanged) == (1, 0, 0)
    assert (item.version, item.department, item.promised_days, item.extension_days) == (1, department, 10, 10)
    assert item.published_at is not None
    assert [(s.position, s.name, s.role, s.days_limit) for s in item.steps.all()] == [
        (1, "受理", "window_clerk", 1),
        (2, "审查", "reviewer", 5),
        (3, "决定", "approver", 2),
    ]
    assert item.steps.get(position=2).risk_points == "审查标准不统一"
    assert [(m.name, m.required, m.copies) for m in item.materials.all()] == [
        ("食品经营许可申请书", True, 1),
        ("营业执照复印件", True, 1),
        ("健康证明", False, 2),
    ]


@pytest.mark.django_db
def test_a_penalty_item_gets_its_discretion_standards(tmp_path, editor):
    standards = "轻微|0|5000|首次违法且及时改正|责令改正\n严重|50000|100000|造成严重后果|吊销许可证"
    row = item_row("CF-YG-SJJ-0001", category="行政处罚", steps="", materials="", standards=standards)

    catalogue_import(source=write_csv(tmp_path / "c.csv", [row]), user=editor)

    assert [
        (s.level, s.amount_min, s.amount_max, s.other_sanctions) for s in published("CF-YG-SJJ-0001").standards.all()
    ] == [
        ("minor", Decimal("0"), Decimal("5000"), "责令改正"),
        ("severe", Decimal("50000"), Decimal("100000"), "吊销许可证"),
    ]


STANDARDS = "轻微|5000|20000|首次违法且及时改正|责令改正\n严重|50000|100000|造成严重后果|吊销许可证"
PENALTY = "CF-YG-SJJ-0001"
WITHOUT_LAW = {field: header for field, header in CHINESE.items() if not field.startswith("legal_fine")}


def penalty_row(**cells: str) -> dict[str, str]:
    fields = {"category": "行政处罚", "steps": "", "materials": "", "standards": STANDARDS}
    return item_row(PENALTY, **fields | {"legal_fine_min": "5000", "legal_fine_max": "100000"} | cells)


@pytest.mark.django_db
def test_a_penalty_item_gets_the_range_of_fines_the_law_sets(tmp_path, editor):
    catalogue_import(source=write_csv(tmp_path / "c.csv", [penalty_row()]), user=editor)

    item = published(PENALTY)
    assert (item.legal_fine_min, item.legal_fine_max) == (Decimal("5000"), Decimal("100000"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cells", "column", "code"),
    [
        ({"legal_fine_max": "90000"}, "裁量基准", "outside_law"),
        ({"legal_fine_min": "10000"}, "裁量基准", "outside_law"),
        ({"legal_fine_min": "200000"}, "法定罚款上限（元）", "bad_range"),
        ({"legal_fine_max": "十万"}, "法定罚款上限（元）", "bad_amount"),
    ],
)
def test_a_standard_outside_the_laws_range_is_refused(tmp_path, editor, cells, column, code):
    errors = rejected(write_csv(tmp_path / "c.csv", [penalty_row(**cells)]), editor)

    assert (2, column, code) in where(errors)
    assert not PowerItem.objects.filter(code=PENALTY).exists()


@pytest.mark.django_db
def test_a_narrower_law_against_the_standard_in_force_is_refused(tmp_path, editor):
    catalogue_import(source=write_csv(tmp_path / "first.csv", [penalty_row()]), user=editor)
    narrower = {name: value for name, value in penalty_row(legal_fine_max="80000").items() if name != "standards"}
    headers = {field: header for field, header in CHINESE.items() if field != "standards"}

    errors = rejected(write_csv(tmp_path / "second.csv", [narrower], headers=headers), editor)

    assert where(errors) == {(2, "裁量基准", "outside_law")}
    assert published(PENALTY).version == 1


@pytest.mark.django_db
def test_a_file_of_the_earlier_format_keeps_the_law_in_force_and_is_held_to_it(tmp_path, editor):
    catalogue_import(source=write_csv(tmp_path / "first.csv", [penalty_row()]), user=editor)
    changed = penalty_row(name="对无证经营的处罚")
    wider = penalty_row(standards="严重|50000|150000|造成严重后果|吊销许可证")

    catalogue_import(source=write_csv(tmp_path / "second.csv", [changed], headers=WITHOUT_LAW), user=editor)
    errors = rejected(write_csv(tmp_path / "third.csv", [wider], headers=WITHOUT_LAW), editor)

    item = published(PENALTY)
    assert (item.version, item.name, item.legal_fine_max) == (2, "对无证经营的处罚", Decimal("100000"))
    assert where(errors) == {(2, "裁量基准", "outside_law")}


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing(tmp_path, editor):
    path = write_csv(tmp_path / "c.csv", [item_row(), item_row("XK-YG-SJJ-0002", name="食品生产许可")])
    catalogue_import(source=path, user=editor)
    counts = [model.history.count() for model in (PowerItem, Step, Material, DiscretionStandard)]

    summary = catalogue_import(source=path, user=editor)

    assert (summary.created, summary.new_versions, summary.unchanged) == (0, 0, 2)
    assert PowerItem.objects.count() == 2
    assert [model.history.count() for model in (PowerItem, Step, Material, DiscretionStandard)] == counts


@pytest.mark.django_db
def test_a_changed_row_publishes_version_2_and_supersedes_version_1(tmp_path, editor):
    catalogue_import(source=write_csv(tmp_path / "v1.csv", [item_row()]), user=editor)
    changed = item_row(promised_days="5", steps="受理|窗口人员|1\n决定|审批人员|4")

    summary = catalogue_import(source=write_csv(tmp_path / "v2.csv", [changed]), user=editor)

    versions = {item.version: item for item in PowerItem.objects.filter(code=CODE)}
    assert summary.new_versions == 1
    assert (versions[1].status, versions[2].status) == (Status.SUPERSEDED, Status.PUBLISHED)
    assert (versions[1].promised_days, versions[2].promised_days) == (10, 5)
    assert [step.name for step in versions[2].steps.all()] == ["受理", "决定"]
    assert versions[1].steps.count() == 3
    assert versions[1].history.first().history_user == editor


@pytest.mark.django_db
def test_a_file_without_a_list_column_keeps_the_items_list(tmp_path, editor):
    catalogue_import(source=write_csv(tmp_path / "v1.csv", [item_row()]), user=editor)
    without_steps = {field: header for field, header in CHINESE.items() if field != "steps"}

    catalogue_import(
        source=write_csv(tmp_path / "v2.csv", [item_row(name="食品经营许可（新办）")], headers=without_steps),
        user=editor,
    )

    assert published().version == 2
    assert [step.name for step in published().steps.all()] == ["受理", "审查", "决定"]


@pytest.mark.django_db
def test_a_new_version_keeps_the_form_templates_of_its_materials(tmp_path, editor):
    catalogue_import(source=write_csv(tmp_path / "v1.csv", [item_row()]), user=editor)
    template = default_storage.save("powers/forms/apply.docx", ContentFile(b"PK\x03\x04 form"))
    published().materials.filter(name="食品经营许可申请书").update(form_template=template)

    catalogue_import(source=write_csv(tmp_path / "v2.csv", [item_row(promised_days="8")]), user=editor)

    assert published().materials.get(name="食品经营许可申请书").form_template.name == template


@pytest.mark.django_db
def test_a_change_is_refused_while_a_version_is_being_edited(tmp_path, editor):
    catalogue_import(source=write_csv(tmp_path / "v1.csv", [item_row()]), user=editor)
    services.power_item_new_version(user=editor, item=published())

    errors = rejected(write_csv(tmp_path / "v2.csv", [item_row(promised_days="8")]), editor)

    assert where(errors) == {(2, "事项编码", "open_version")}
    assert published().version == 1


@pytest.mark.django_db
def test_a_dry_run_reports_what_would_change_and_writes_nothing(tmp_path, editor):
    summary = catalogue_import(source=write_csv(tmp_path / "c.csv", [item_row()]), user=editor, dry_run=True)

    assert (summary.dry_run, summary.created) == (True, 1)
    assert not PowerItem.objects.exists()


@pytest.mark.django_db
def test_one_bad_row_among_good_ones_writes_nothing(tmp_path, editor):
    rows = [item_row(), item_row("XK-YG-SJJ-0002", legal_days="abc"), item_row("XK-YG-SJJ-0003")]

    errors = rejected(write_csv(tmp_path / "c.csv", rows), editor)

    assert where(errors) == {(3, "法定时限（工作日）", "bad_number")}
    assert not PowerItem.objects.exists()


@pytest.mark.django_db
def test_every_bad_row_is_reported_not_only_the_first(tmp_path, editor):
    rows = [item_row(category="XX"), item_row("XK-YG-SJJ-0002"), item_row("XK-YG-SJJ-0003", department_code="NOPE")]

    errors = rejected(write_csv(tmp_path / "c.csv", rows), editor)

    assert where(errors) == {(2, "事项类型", "unknown_category"), (4, "实施主体编码", "unknown_department")}


# --- validation: each error names its row and its column ----------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cells", "column", "code"),
    [
        ({"legal_days": "5", "promised_days": "10"}, "承诺时限（工作日）", "promised_over_legal"),
        ({"department_code": "YG-NOPE", "department_name": ""}, "实施主体编码", "unknown_department"),
        ({"department_name": "阳光区民政局"}, "实施主体名称", "department_mismatch"),
        ({"category": "行政许诺"}, "事项类型", "unknown_category"),
        ({"legal_days": "二十"}, "法定时限（工作日）", "bad_number"),
        ({"extension_days": "-3"}, "延长时限（工作日）", "bad_number"),
        ({"is_immediate": "也许"}, "即办件", "bad_boolean"),
        ({"cleanup_status": "暂停"}, "清理状态", "unknown_cleanup_status"),
        ({"cleanup_status": "合并", "merged_into": ""}, "合并至事项编码", "merged_without_target"),
        ({"name": ""}, "事项名称", "required"),
        ({"name": "长" * 201}, "事项名称", "max_length"),
        ({"steps": "受理|门卫|1"}, "办理环节", "bad_role"),
        ({"steps": "受理|窗口人员|两天"}, "办理环节", "bad_number"),
        ({"steps": "|窗口人员|1"}, "办理环节", "bad_step"),
        ({"materials": "营业执照|是|两份"}, "申请材料", "bad_number"),
        ({"materials": "营业执照|必须|1"}, "申请材料", "bad_boolean"),
        ({"standards": "很严重|0|100|情节"}, "裁量基准", "bad_level"),
        ({"standards": "一般|0|100|情节\n一般|100|200|情节"}, "裁量基准", "bad_level"),
        ({"standards": "一般|五百|1000|情节"}, "裁量基准", "bad_amount"),
        ({"standards": "一般|500|100|情节"}, "裁量基准", "bad_range"),
        ({"standards": "一般|0.001|100|情节"}, "裁量基准", "max_decimal_places"),
    ],
)
def test_a_bad_cell_is_reported_with_its_row_column_and_code(tmp_path, editor, cells, column, code):
    rows = [item_row("XK-YG-SJJ-0002"), item_row(**cells)]

    errors = rejected(write_csv(tmp_path / "c.csv", rows), editor)

    assert where(errors) == {(3, column, code)}
    assert all(error.message for error in errors)


@pytest.mark.django_db
def test_a_list_cell_error_names_the_line_within_the_cell(tmp_path, editor):
    errors = rejected(write_csv(tmp_path / "c.csv", [item_row(steps="受理|窗口人员|1\n审查|门卫|5")]), editor)

    assert where(errors) == {(2, "办理环节", "bad_role")}
    assert "2" in errors[0].message and "门卫" in errors[0].message


@pytest.mark.django_db
def test_a_code_used_twice_in_the_file_is_reported_on_its_second_row(tmp_path, editor):
    rows = [item_row(), item_row("XK-YG-SJJ-0002"), item_row(name="另一个名称")]

    errors = rejected(write_csv(tmp_path / "c.csv", rows), editor)

    assert where(errors) == {(4, "事项编码", "duplicate_code")}
    assert "2" in errors[0].message


@pytest.mark.django_db
def test_a_missing_required_column_is_a_file_error_naming_the_column(tmp_path, editor):
    headers = {field: header for field, header in CHINESE.items() if field != "promised_days"}

    errors = rejected(write_csv(tmp_path / "c.csv", [item_row()], headers=headers), editor)

    assert where(errors) == {(None, "承诺时限（工作日）", "missing_column")}


@pytest.mark.django_db
def test_errors_name_the_column_as_the_file_writes_it(tmp_path, editor):
    path = write_csv(tmp_path / "c.csv", [item_row(legal_days="5")], headers=ENGLISH)

    assert where(rejected(path, editor)) == {(2, "promised_days", "promised_over_legal")}


@pytest.mark.django_db
def test_a_malformed_xlsx_is_a_file_error(tmp_path, editor):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)

    assert where(rejected(path, editor)) == {(None, "", "unreadable")}


@pytest.mark.django_db
def test_text_named_xlsx_is_a_file_error(tmp_path, editor):
    path = tmp_path / "catalogue.xlsx"
    path.write_text("事项编码,事项名称\n", encoding="utf-8")

    assert where(rejected(path, editor)) == {(None, "", "unreadable")}


@pytest.mark.django_db
def test_an_editor_of_another_department_is_refused_on_each_of_its_rows(tmp_path, editor):
    DepartmentFactory(code="YG-MZJ", name="阳光区民政局")
    rows = [item_row(), item_row("QR-YG-MZJ-0001", department_code="YG-MZJ", department_name="阳光区民政局")]

    errors = rejected(write_csv(tmp_path / "c.csv", rows), editor)

    assert where(errors) == {(3, "实施主体编码", "forbidden")}
    assert not PowerItem.objects.exists()


@pytest.mark.django_db
def test_a_user_who_may_not_publish_cannot_import(tmp_path, department):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_poweritem"))
    assign_perm("portal.edit_catalogue", user, department)

    assert where(rejected(write_csv(tmp_path / "c.csv", [item_row()]), user)) == {(None, "", "forbidden")}


@pytest.mark.django_db
def test_an_unknown_department_is_created_only_when_asked(tmp_path, superuser):
    path = write_csv(tmp_path / "c.csv", [item_row(department_code="YG-NEW", department_name="阳光区新设局")])
    assert where(rejected(path, superuser)) == {(2, "实施主体编码", "unknown_department")}

    summary = catalogue_import(source=path, user=superuser, create_departments=True)

    assert summary.departments_created == 1
    assert published().department.name == "阳光区新设局"


@pytest.mark.django_db
def test_a_department_to_create_must_not_take_another_departments_name(tmp_path, superuser, department):
    row = item_row(department_code="YG-SJJ2", department_name="阳光区市场监督管理局")

    errors = rejected(write_csv(tmp_path / "c.csv", [row]), superuser, create_departments=True)

    assert where(errors) == {(2, "实施主体名称", "department_conflict")}


@pytest.mark.django_db
def test_an_abolished_item_in_the_file_is_published_again(tmp_path, superuser, department):
    path = write_csv(tmp_path / "c.csv", [item_row()])
    catalogue_import(source=path, user=superuser)
    services.power_item_abolish(user=superuser, item=published())

    summary = catalogue_import(source=path, user=superuser)

    assert summary.new_versions == 1
    assert published().version == 2


@pytest.mark.django_db
def test_a_column_given_twice_is_a_file_error(tmp_path, editor):
    path = write_csv(tmp_path / "c.csv", [item_row()], headers=CHINESE | {"materials": "steps"})

    assert where(rejected(path, editor)) == {(None, "steps", "duplicate_column")}


# --- encodings and formats ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_gb18030_csv_as_excel_writes_it_in_china_imports(tmp_path, editor):
    path = write_csv(tmp_path / "gb.csv", [item_row(name="餐饮服务许可（𠀀字号）")], encoding="gb18030")
    assert path.read_bytes()[:2] != b"\xef\xbb"

    catalogue_import(source=path, user=editor)

    assert published().name == "餐饮服务许可（𠀀字号）"
    assert published().rights == "申请人依法享有陈述权、申辩权"


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8"])
def test_a_utf8_csv_with_or_without_bom_imports(tmp_path, editor, encoding):
    path = write_csv(tmp_path / "utf8.csv", [item_row()], encoding=encoding)

    catalogue_import(source=path, user=editor)

    assert published().name == "食品经营许可"


@pytest.mark.django_db
def test_an_xlsx_workbook_imports_with_numbers_as_excel_stores_them(tmp_path, editor):
    workbook = Workbook()
    workbook.active.append([CHINESE[field] for field in FIELDS])
    row = item_row() | {"legal_days": 20, "promised_days": 10.0, "extension_days": None}
    workbook.active.append([row[field] for field in FIELDS])
    workbook.save(tmp_path / "c.xlsx")

    catalogue_import(source=tmp_path / "c.xlsx", user=editor)

    assert (published().legal_days, published().promised_days, published().extension_days) == (20, 10, 0)


@pytest.mark.django_db
def test_english_headers_are_accepted(tmp_path, editor):
    catalogue_import(source=write_csv(tmp_path / "c.csv", [item_row()], headers=ENGLISH), user=editor)

    assert published().steps.count() == 3


@pytest.mark.django_db
def test_progress_is_reported_while_rows_are_checked(tmp_path, editor):
    rows = [item_row(f"XK-YG-SJJ-{n:04d}") for n in range(450)]
    reports = []

    catalogue_import(
        source=write_csv(tmp_path / "c.csv", rows), user=editor, dry_run=True, progress=lambda *p: reports.append(p)
    )

    assert reports == [(200, 450), (400, 450), (450, 450)]


# --- export and round trips ---------------------------------------------------------------------


@pytest.fixture
def catalogue(department):
    """A published catalogue with every kind of content, awkward characters included."""
    other = DepartmentFactory(code="YG-MZJ", name="阳光区民政局")
    licence = PowerItemFactory(
        code=CODE,
        department=department,
        published=True,
        is_immediate=True,
        fee_standard="免费",
        legal_basis="《食品安全法》第三十五条\r\n《食品经营许可管理办法》第十条 ",  # as a browser's textarea sends it
    )
    licence.steps.create(position=1, name="受理", role="window_clerk", days_limit=1, risk_points="材料不全|仍受理")
    licence.steps.create(position=2, name="审查", role="reviewer", days_limit=5, risk_points="第一行\n第二行 C:\\docs")
    licence.materials.create(position=1, name="申请书", required=True, copies=2)
    licence.materials.create(position=2, name="身份证明", required=False, copies=1)
    penalty = PowerItemFactory(
        code="CF-YG-SJJ-0001",
        category="CF",
        department=department,
        published=True,
        legal_fine_min=Decimal("0"),
        legal_fine_max=Decimal("100000.50"),
    )
    penalty.standards.create(level="severe", circumstances="情节严重", amount_min=50000, amount_max=100000)
    penalty.standards.create(
        level="minor", circumstances="首次", amount_min=0, amount_max="500.50", other_sanctions="警告"
    )
    PowerItemFactory(
        code="QR-YG-MZJ-0001",
        category="QR",
        department=other,
        published=True,
        cleanup_status="merged",
        merged_into=CODE,
    )
    PowerItemFactory(code="XK-YG-SJJ-0009", department=department)  # a draft: not exported
    return PowerItem.objects.published()


@pytest.mark.django_db
def test_export_then_import_changes_nothing(tmp_path, superuser, catalogue):
    assert catalogue_export(tmp_path / "c.xlsx", fmt="xlsx") == 3
    counts = [model.history.count() for model in (PowerItem, Step, Material, DiscretionStandard)]

    summary = catalogue_import(source=tmp_path / "c.xlsx", user=superuser)

    assert (summary.created, summary.new_versions, summary.unchanged) == (0, 0, 3)
    assert [model.history.count() for model in (PowerItem, Step, Material, DiscretionStandard)] == counts


@pytest.mark.django_db
def test_importing_an_export_into_an_empty_catalogue_exports_the_same_bytes(tmp_path, superuser, catalogue):
    catalogue_export(tmp_path / "first.csv", fmt="csv")
    PowerItem.objects.all().delete()
    Department.objects.all().delete()

    summary = catalogue_import(source=tmp_path / "first.csv", user=superuser, create_departments=True)
    catalogue_export(tmp_path / "second.csv", fmt="csv")

    assert (summary.created, summary.departments_created) == (3, 2)
    assert (tmp_path / "second.csv").read_bytes() == (tmp_path / "first.csv").read_bytes()


@pytest.mark.django_db
def test_the_csv_export_has_a_bom_and_chinese_headers(tmp_path, catalogue):
    catalogue_export(tmp_path / "c.csv", fmt="csv")

    data = (tmp_path / "c.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf" + "事项编码,事项名称,事项类型".encode())
    assert "窗口人员" in data.decode("utf-8-sig")


# --- the Guang'an list ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_guangan_list_imports_1135_items_of_34_departments(superuser):
    summary = catalogue_import(source=GUANGAN, user=superuser)

    assert (summary.created, summary.departments_created) == (1135, 34)
    assert PowerItem.objects.published().filter(version=1).count() == 1135
    assert Department.objects.count() == 34
    assert Counter(PowerItem.objects.values_list("category", flat=True)) == {
        "XK": 536, "GG": 348, "QT": 182, "QR": 50, "JF": 9, "CJ": 8, "JL": 2
    }  # fmt: skip
    assert Department.objects.get(name="区人社局").code == "1151130108778239R"


@pytest.mark.django_db
def test_reimporting_the_guangan_list_keeps_what_departments_completed(tmp_path, superuser):
    catalogue_import(source=GUANGAN, user=superuser)
    code = "511A0138000000-511602000000-000-115113010833722043-1-00"
    draft = services.power_item_new_version(user=superuser, item=published(code))
    PowerItem.objects.filter(pk=draft.pk).update(legal_basis="《中华人民共和国义务教育法》第十一条", promised_days=10)
    services.power_item_publish(user=superuser, item=services.power_item_submit(user=superuser, item=draft))

    summary = catalogue_import(source=GUANGAN, user=superuser)

    assert (summary.created, summary.new_versions, summary.unchanged) == (0, 0, 1135)
    assert (published(code).version, published(code).promised_days) == (2, 10)


# --- management commands --------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_catalogue_imports_as_the_first_superuser(tmp_path, superuser, department):
    out = io.StringIO()

    call_command("import_catalogue", str(write_csv(tmp_path / "c.csv", [item_row()])), stdout=out)

    assert "1" in out.getvalue()
    assert published().history.first().history_user == superuser


@pytest.mark.django_db
def test_import_catalogue_dry_run_prints_the_figures_and_writes_nothing(tmp_path, superuser, department):
    out = io.StringIO()

    call_command("import_catalogue", str(write_csv(tmp_path / "c.csv", [item_row()])), "--dry-run", stdout=out)

    assert "1" in out.getvalue()
    assert not PowerItem.objects.exists()


@pytest.mark.django_db
def test_import_catalogue_fails_printing_each_errors_row_and_column(tmp_path, editor):
    err = io.StringIO()
    path = write_csv(tmp_path / "c.csv", [item_row(), item_row("XK-YG-SJJ-0002", legal_days="5")])

    with pytest.raises(CommandError):
        call_command("import_catalogue", str(path), "--user", editor.username, stderr=err)

    assert (
        "3" in err.getvalue() and "承诺时限（工作日）" in err.getvalue() and "[promised_over_legal]" in err.getvalue()
    )
    assert not PowerItem.objects.exists()


@pytest.mark.django_db
def test_import_catalogue_refuses_an_unknown_user(tmp_path, department):
    with pytest.raises(CommandError):
        call_command("import_catalogue", str(write_csv(tmp_path / "c.csv", [item_row()])), "--user", "nobody")


@pytest.mark.django_db
def test_export_catalogue_writes_the_format_its_extension_names(tmp_path, catalogue):
    call_command("export_catalogue", str(tmp_path / "c.xlsx"), stdout=io.StringIO())

    rows = list(load_workbook(tmp_path / "c.xlsx", read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:2] == ("事项编码", "事项名称")
    assert [row[0] for row in rows[1:]] == ["CF-YG-SJJ-0001", "QR-YG-MZJ-0001", CODE]


@pytest.mark.django_db
def test_export_catalogue_refuses_an_unknown_extension(tmp_path):
    with pytest.raises(CommandError):
        call_command("export_catalogue", str(tmp_path / "c.txt"))


# --- background import: a real worker, and the admin ------------------------------------------------


def _wait_for_job(job_id: int, timeout: float = 30.0) -> ImportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = ImportJob.objects.get(pk=job_id)
        if job.state in (ImportJob.State.SUCCEEDED, ImportJob.State.FAILED):
            return job
        time.sleep(0.1)
    raise AssertionError(f"import job {job_id} still {job.state} after {timeout} s")


def _csv_bytes(tmp_path, rows) -> bytes:
    return write_csv(tmp_path / "upload.csv", rows).read_bytes()


def test_a_worker_runs_an_import_job_to_its_summary(celery_worker, tmp_path, editor):
    job = ImportJob.objects.create(
        file=ContentFile(_csv_bytes(tmp_path, [item_row()]), name="c.csv"), created_by=editor
    )

    catalogue_import_run.delay(job.pk)

    job = _wait_for_job(job.pk)
    assert (job.state, job.summary["created"], job.processed_rows, job.total_rows) == ("succeeded", 1, 1, 1)
    assert job.finished_at is not None
    assert published().version == 1


def test_a_worker_records_the_errors_of_a_bad_file(celery_worker, tmp_path, editor):
    rows = [item_row(legal_days="5")]
    job = ImportJob.objects.create(file=ContentFile(_csv_bytes(tmp_path, rows), name="c.csv"), created_by=editor)

    catalogue_import_run.delay(job.pk)

    job = _wait_for_job(job.pk)
    assert job.state == "failed"
    assert [(e["row"], e["column"], e["code"]) for e in job.errors] == [
        (2, "承诺时限（工作日）", "promised_over_legal")
    ]


@pytest.mark.django_db
def test_a_job_already_run_is_not_run_again(tmp_path, editor):
    job = ImportJob.objects.create(
        file=ContentFile(_csv_bytes(tmp_path, [item_row()]), name="c.csv"), created_by=editor, state="succeeded"
    )

    catalogue_import_run(job.pk)

    assert not PowerItem.objects.exists()


def test_the_admin_upload_runs_in_the_background_and_shows_the_summary(celery_worker, client, tmp_path, superuser):
    DepartmentFactory(code="YG-SJJ", name="阳光区市场监督管理局")
    client.force_login(superuser)
    upload = SimpleUploadedFile("c.csv", _csv_bytes(tmp_path, [item_row(), item_row("XK-YG-SJJ-0002")]))

    response = client.post("/admin/powers/poweritem/import/", {"file": upload})

    assert response.status_code == 302
    job = _wait_for_job(ImportJob.objects.get().pk)
    page = client.get(response.url)
    assert job.state == "succeeded"
    assert page.status_code == 200
    assert 'id="import-status"' in page.text and "hx-trigger" not in page.text
    assert "<td>2</td>" in page.text
    assert PowerItem.objects.published().count() == 2


@pytest.mark.django_db
def test_a_running_job_page_polls_itself_with_htmx(client, tmp_path, superuser):
    job = ImportJob.objects.create(
        file=ContentFile(b"x", name="c.csv"), created_by=superuser, state="running", total_rows=400, processed_rows=100
    )
    client.force_login(superuser)

    page = client.get(f"/admin/powers/poweritem/import/{job.pk}/")
    fragment = client.get(f"/admin/powers/poweritem/import/{job.pk}/", headers={"HX-Request": "true"})

    assert "vendor/htmx-2.0.11/htmx.min.js" in page.text
    assert (
        'hx-trigger="every 1s"' in page.text and '<progress class="import-progress" max="100" value="25"' in page.text
    )
    assert fragment.text.lstrip().startswith('<div id="import-status"')


@pytest.mark.django_db
def test_a_failed_job_page_lists_each_error(client, superuser):
    error = {"row": 7, "column": "承诺时限（工作日）", "message": "too long", "code": "promised_over_legal"}
    job = ImportJob.objects.create(
        file=ContentFile(b"x", name="c.csv"), created_by=superuser, state="failed", errors=[error]
    )
    client.force_login(superuser)

    page = client.get(f"/admin/powers/poweritem/import/{job.pk}/")

    assert "<td>7</td><td>承诺时限（工作日）</td>" in page.text


@pytest.mark.django_db
def test_the_catalogue_list_links_to_import_and_export(client, superuser):
    client.force_login(superuser)

    page = client.get("/admin/powers/poweritem/")

    assert 'href="/admin/powers/poweritem/import/"' in page.text
    assert 'href="/admin/powers/poweritem/export/"' in page.text


@pytest.mark.django_db
def test_the_import_form_refuses_a_binary_file(client, superuser):
    client.force_login(superuser)
    upload = SimpleUploadedFile("c.csv", b"\x00\x01\x02binary")

    response = client.post("/admin/powers/poweritem/import/", {"file": upload})

    assert response.status_code == 200
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "starts"), [("", b"PK\x03\x04"), ("?format=csv", b"\xef\xbb\xbf")])
def test_the_admin_exports_the_catalogue(client, superuser, catalogue, query, starts):
    client.force_login(superuser)

    response = client.get(f"/admin/powers/poweritem/export/{query}")

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(starts)
    assert "attachment" in response["Content-Disposition"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/powers/poweritem/import/", "/admin/powers/poweritem/export/"])
def test_staff_without_the_add_permission_get_403(client, url):
    client.force_login(UserFactory(is_staff=True, role="inspector"))

    assert client.get(url).status_code == 403
