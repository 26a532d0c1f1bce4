"""The published catalogue as a file in the import format: what it exports, it imports unchanged."""

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from portal.exports import FORMATS, Sheet, write_table

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

_WIDTHS = {"code": 36, "name": 30, "legal_basis": 40, "steps": 40, "materials": 40, "standards": 40}
SHEET = Sheet(title="事项目录", widths=[_WIDTHS.get(column.field, 14) for column in COLUMNS])


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
    header = [column.header for column in COLUMNS]
    return write_table(target, header, map(item_cells, items), fmt=fmt, sheet=SHEET)


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
