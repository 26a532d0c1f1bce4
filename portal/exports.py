"""The one writer of spreadsheet exports (CSV and XLSX) for the whole portal.

Whatever a department, item, complaint or user name holds reaches an administrator's Excel. A cell
that starts like a formula (``=``, ``+``, ``-``, ``@``, or a tab or carriage return before one) is
run by Excel and LibreOffice when the file is opened: a name ``=HYPERLINK(...)`` becomes a link
that leaks data, ``=cmd|...`` a command (OWASP "CSV injection"). Every text cell is therefore
written through ``neutralise``, the same way in CSV and in XLSX:

- a text that starts with one of those characters, or with the single quote itself, gets a single
  quote in front (the quote Excel itself uses to mark "this is text"), and in XLSX it is a string
  cell, never a formula;
- characters no spreadsheet can hold (control characters other than tab and line breaks) and
  bidirectional controls that make a name read backwards are replaced by U+FFFD, so that an
  export of data stored before they were refused neither fails nor misleads.

Numbers stay numbers: only text is touched, so a negative amount is a number cell, not text.
``restore`` undoes the quote for an importer reading back a file this module wrote.
"""

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .text import UNSAFE_CHARACTERS

CSV, XLSX = "csv", "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class Sheet:
    """How an XLSX export looks: its sheet's title and its columns' widths (in characters)."""

    title: str
    widths: list[int] = field(default_factory=list)


def neutralise(value):
    """A cell as it may be written: text made inert (see the module's docstring), anything else as is."""
    if not isinstance(value, str):
        return value
    value = UNSAFE_CHARACTERS.sub(REPLACEMENT, value)
    if value.startswith((*FORMULA_STARTS, QUOTE)):
        return QUOTE + value
    return value


_QUOTED = re.compile("^" + QUOTE + "(?=[" + re.escape("".join(FORMULA_STARTS) + QUOTE) + "])")


def restore(text: str) -> str:
    """A text cell as it was before ``neutralise``: the quote goes where one was added.

    A quote in front of anything else was typed by a person and stays; a quote in front of a
    formula character means "text", as it does in Excel, whoever typed it.
    """
    return _QUOTED.sub("", text, count=1)


def write_table(
    target: str | Path | BinaryIO, header: list[str], rows: Iterable[list], *, fmt: str, sheet: Sheet
) -> int:
    """A header and rows as CSV (UTF-8 with a BOM and CRLF line ends, as Excel in China expects)
    or XLSX (a frozen, bold header row); returns how many rows were written."""
    if fmt == CSV:
        return _write_csv(target, header, rows)
    if fmt == XLSX:
        return _write_xlsx(target, header, rows, sheet)
    raise ValueError(f"unknown export format {fmt!r}")


def table_bytes(header: list[str], rows: Iterable[list], *, fmt: str, sheet: Sheet) -> bytes:
    buffer = io.BytesIO()
    write_table(buffer, header, rows, fmt=fmt, sheet=sheet)
    return buffer.getvalue()


def _write_csv(target, header: list[str], rows: Iterable[list]) -> int:
    if isinstance(target, str | Path):
        with open(target, "w", encoding="utf-8-sig", newline="") as stream:
            return _csv_rows(stream, header, rows)
    stream = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
    try:
        return _csv_rows(stream, header, rows)
    finally:
        stream.flush()
        stream.detach()  # the caller's file stays open


def _csv_rows(stream, header: list[str], rows: Iterable[list]) -> int:
    writer = csv.writer(stream)  # CRLF line ends, as Excel writes them
    writer.writerow([neutralise(title) for title in header])
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007 - the count is the result
        writer.writerow(["" if value is None else neutralise(value) for value in row])
    return count


def _write_xlsx(target, header: list[str], rows: Iterable[list], sheet: Sheet) -> int:
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet.title)
    worksheet.freeze_panes = "A2"
    for number, width in enumerate(sheet.widths, start=1):
        worksheet.column_dimensions[get_column_letter(number)].width = width
    titles = []
    for title in header:
        cell = _cell(worksheet, title)
        cell.font = Font(bold=True)
        titles.append(cell)
    worksheet.append(titles)
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007 - the count is the result
        worksheet.append([_cell(worksheet, value) for value in row])
    workbook.save(target)
    return count


def _cell(worksheet, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(worksheet, value=neutralise(value))
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl takes any text starting with "=" for a formula
    return cell
