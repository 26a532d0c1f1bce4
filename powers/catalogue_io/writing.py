"""The published catalogue as a file in the import format: what it exports, it imports unchanged."""

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..models import PowerItem
from ..selectors import published_items
from .format import (
    CLEANUP_STATUSES,
    COLUMNS,
    FINE_FIELDS,
    LEVEL_ORDER,
    LEVELS,
    NO,
    ROLES,
    YES,
    format_amount,
    join_entry,
    normal,
)

CSV, XLSX = "csv", "xlsx"
FORMATS = (CSV, XLSX)
SHEET_TITLE = "事项目录"
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_WIDTHS = {"code": 36, "name": 30, "legal_basis": 40, "steps": 40, "materials": 40, "standards": 40}


def format_of(path: str | Path) -> str | None:
    """The export format a file name asks for, by its extension."""
    suffix = Path(path).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else None


def published_catalogue() -> Iterator[PowerItem]:
    items = published_items().prefetch_related("steps", "materials", "standards").order_by("code")
    return items.iterator(chunk_size=1000)


def catalogue_export(target: str | Path | BinaryIO, *, fmt: str, items: Iterable[PowerItem] | None = None) -> int:
    """Writes the items (by default the published catalogue) to ``target``; returns how many."""
    items = published_catalogue() if items is None else items
    return write_table(target, [column.header for column in COLUMNS], map(item_cells, items), fmt=fmt)


def item_cells(item: PowerItem) -> list:
    """One item as a row of the format, numbers as numbers (CSV writes them as text)."""
    steps = [join_entry([s.name, ROLES.word(s.role), str(s.days_limit), s.risk_points]) for s in item.steps.all()]
    materials = [join_entry([m.name, YES if m.required else NO, str(m.copies)]) for m in item.materials.all()]
    standards = [
        join_entry(
            [
                LEVELS.word(s.level),
                format_amount(s.amount_min),
                format_amount(s.amount_max),
                s.circumstances,
                s.other_sanctions,
            ]
        )
        for s in sorted(item.standards.all(), key=lambda standard: LEVEL_ORDER[standard.level])
    ]
    values = {
        "code": item.code,
        "category": item.category,
        "department_code": item.department.code,
        "department_name": item.department.name,
        "is_immediate": YES if item.is_immediate else NO,
        "cleanup_status": CLEANUP_STATUSES.word(item.cleanup_status),
        "steps": "\n".join(steps),
        "materials": "\n".join(materials),
        "standards": "\n".join(standards),
        **{name: "" if getattr(item, name) is None else format_amount(getattr(item, name)) for name in FINE_FIELDS},
    }
    return [
        normal(values[column.field] if column.field in values else getattr(item, column.field)) for column in COLUMNS
    ]


def write_table(target: str | Path | BinaryIO, header: list[str], rows: Iterable[list], *, fmt: str) -> int:
    """A header and rows as CSV (UTF-8 with a BOM, so that Excel opens it) or XLSX; returns the row count."""
    if fmt == CSV:
        return _write_csv(target, header, rows)
    if fmt == XLSX:
        return _write_xlsx(target, header, rows)
    raise ValueError(f"unknown catalogue format {fmt!r}")


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
    writer.writerow(header)
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007 - the count is the result
        writer.writerow(row)
    return count


def _write_xlsx(target, header, rows) -> int:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    sheet.freeze_panes = "A2"
    for number, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = _WIDTHS.get(column.field, 14)
    titles = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        titles.append(cell)
    sheet.append(titles)
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007 - the count is the result
        sheet.append([_text_cell(sheet, value) for value in row])
    workbook.save(target)
    return count


def _text_cell(sheet, value):
    # openpyxl takes a string starting with "=" for a formula; text must stay text.
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value
