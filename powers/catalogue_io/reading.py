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

# Bounds on what a file may make the worker hold and parse. A 10,000-item catalogue expands to
# about 10 MB of XML; a zip of a few KB can expand to gigabytes, and a sheet may claim a million rows.
MAX_EXPANDED_BYTES = 64 * 1024 * 1024  # an XLSX's parts once unzipped, or a CSV file
MAX_ROWS = 50_000  # item rows, below the header
MAX_COLUMNS = 100
# Excel's cells hold 32,767 characters, and openpyxl cuts a longer one to that silently: staying
# below it makes such a cell an error instead of a truncated text.
MAX_CELL_CHARS = 32_000

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
        with open(source, "rb") as stream:
            name, data = str(source), _read_bounded(stream)
    else:
        name, data = getattr(source, "name", "") or "", _read_bounded(source)
    if not data.strip():
        raise _rejected(_("The file is empty."), "empty")
    if data.startswith(XLS_MAGIC):
        raise _rejected(_("This is an old .xls workbook: save it as .xlsx (Excel workbook) or CSV."), "old_xls")
    if data.startswith(XLSX_MAGIC):
        return _xlsx_table(data)
    if name.lower().endswith(".xlsx"):
        raise _rejected(_("The file is named .xlsx but is not an Excel workbook."), "unreadable")
    return _csv_table(data)


def _read_bounded(stream: BinaryIO) -> bytes:
    """The whole file, or a refusal as soon as it passes the size limit (never read whole)."""
    chunks, size = [], 0
    while chunk := stream.read(1024 * 1024):
        size += len(chunk)
        if size > MAX_EXPANDED_BYTES:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _xlsx_table(data: bytes) -> Table:
    try:
        # The sizes a zip declares bound what it expands to: Python's zipfile stops at the declared
        # size and fails on a member that claims less than it holds.
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(member.file_size for member in archive.infolist()) > MAX_EXPANDED_BYTES:
                raise _too_large()
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
    if len(headers) > MAX_COLUMNS and any(headers[MAX_COLUMNS:]):
        raise _too_wide(1)
    headers = headers[:MAX_COLUMNS]
    table = Table(headers=headers, rows=[])
    for number, values in enumerate(rows, start=2):
        if not any(value is not None and value != "" for value in values):
            continue  # blank rows, however many a sheet holds, cost no more than this
        if number > MAX_ROWS + 1:
            message = _("The file has more than %(limit)d rows of items; split it into several files.")
            raise CatalogueRejected([RowError(number, "", message % {"limit": MAX_ROWS}, "too_many_rows")])
        if len(values) > MAX_COLUMNS and any(value is not None and value != "" for value in values[MAX_COLUMNS:]):
            raise _too_wide(number)
        cells = [cell_text(value) for value in values[:MAX_COLUMNS]]
        for at, text in enumerate(cells):
            if len(text) > MAX_CELL_CHARS:
                column = headers[at] if at < len(headers) else ""
                message = _("The cell holds %(length)d characters; a cell may hold at most %(limit)d.")
                error = RowError(
                    number, column, message % {"length": len(text), "limit": MAX_CELL_CHARS}, "cell_too_long"
                )
                raise CatalogueRejected([error])
        for at, text in enumerate(cells):
            if UNSAFE_CHARACTERS.search(text):
                # Taken out here, so that no later check, message or query meets them.
                table.unsafe[number, at] = unsafe_characters(text)
                cells[at] = UNSAFE_CHARACTERS.sub("", text)
        if any(cells):
            table.rows.append((number, cells + [""] * (len(headers) - len(cells))))
    return table


def _too_large() -> CatalogueRejected:
    message = _(
        "The file is too large: unpacked it would exceed %(limit)d MB. A catalogue of 10,000 items takes "
        "about 10 MB; remove empty or formatted rows and sheets, or split the file."
    )
    return _rejected(message % {"limit": MAX_EXPANDED_BYTES // (1024 * 1024)}, "too_large")


def _too_wide(row: int) -> CatalogueRejected:
    message = _("The row has more than %(limit)d columns; delete the columns beyond the catalogue's own.")
    return CatalogueRejected([RowError(row, "", message % {"limit": MAX_COLUMNS}, "too_many_columns")])


def _rejected(message: str, code: str) -> CatalogueRejected:
    return CatalogueRejected([RowError(row=None, column="", message=message, code=code)])
