"""A catalogue file as a table of text: XLSX or CSV, told apart by content, not by name."""

import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import ParseError

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from portal.text import UNSAFE_CHARACTERS, unsafe_characters

from .errors import CatalogueRejected, RowError
from .format import cell_text

XLSX_MAGIC = b"PK\x03\x04"  # an XLSX file is a zip archive
XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary Excel format (OLE2)
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # UTF-8 with or without BOM, then what Excel writes in China

# What a broken XLSX makes openpyxl raise, from a bad zip to a missing or mangled part.
_XLSX_FAILURES = (
    zipfile.BadZipFile,
    InvalidFileException,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    EOFError,
    ParseError,
)


@dataclass
class Table:
    headers: list[str]  # as written in the file's first row
    rows: list[tuple[int, list[str]]]  # (row number as a spreadsheet shows it, cells as text)
    # (row number, column index) -> the unsafe characters (portal.text) taken out of that cell;
    # validation reports them for the columns it reads, a column of the clerk's own is ignored.
    unsafe: dict[tuple[int, int], list[str]] = field(default_factory=dict)


def looks_like_catalogue_file(head: bytes) -> bool:
    """A first glance for upload forms: a zip archive, or text (no NUL bytes)."""
    return head.startswith(XLSX_MAGIC) or b"\x00" not in head


def read_table(source: str | Path | BinaryIO) -> Table:
    if isinstance(source, str | Path):
        name, data = str(source), Path(source).read_bytes()
    else:
        name, data = getattr(source, "name", "") or "", source.read()
    if not data.strip():
        raise _rejected(_("The file is empty."), "empty")
    if data.startswith(XLS_MAGIC):
        raise _rejected(_("This is an old .xls workbook: save it as .xlsx (Excel workbook) or CSV."), "old_xls")
    if data.startswith(XLSX_MAGIC):
        return _xlsx_table(data)
    if name.lower().endswith(".xlsx"):
        raise _rejected(_("The file is named .xlsx but is not an Excel workbook."), "unreadable")
    return _csv_table(data)


def _xlsx_table(data: bytes) -> Table:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            # Some writers record a wrong used range; read what is there instead.
            sheet.reset_dimensions()
            return _table(sheet.iter_rows(values_only=True))
        finally:
            workbook.close()
    except _XLSX_FAILURES as error:
        raise _rejected(
            _("The Excel workbook cannot be read (%(reason)s). Open it in Excel and save it again as .xlsx.")
            % {"reason": type(error).__name__},
            "unreadable",
        ) from error


def _csv_table(data: bytes) -> Table:
    for encoding in CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _rejected(_("The CSV file is neither UTF-8 nor GB18030 text."), "unreadable")
    try:
        return _table(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise _rejected(_("The CSV file cannot be read: %(reason)s") % {"reason": error}, "unreadable") from error


def _table(rows: Iterable[Iterable]) -> Table:
    rows = iter(rows)
    headers = [UNSAFE_CHARACTERS.sub("", cell_text(value)) for value in next(rows, ())]
    if not any(headers):
        raise _rejected(_("The first row must hold the column headers."), "empty")
    table = Table(headers=headers, rows=[])
    for number, values in enumerate(rows, start=2):
        cells = [cell_text(value) for value in values]
        for at, text in enumerate(cells):
            if UNSAFE_CHARACTERS.search(text):
                # Taken out here, so that no later check, message or query meets them.
                table.unsafe[number, at] = unsafe_characters(text)
                cells[at] = UNSAFE_CHARACTERS.sub("", text)
        if any(cells):
            table.rows.append((number, cells + [""] * (len(headers) - len(cells))))
    return table


def _rejected(message: str, code: str) -> CatalogueRejected:
    return CatalogueRejected([RowError(row=None, column="", message=message, code=code)])
