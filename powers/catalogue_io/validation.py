"""From a table of text to item records, every row checked and every error collected.

Nothing here reads the database: whether departments exist, who may edit them and what the
catalogue holds already is the business of applying.py.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from ..constants import CleanupStatus
from ..models import DiscretionStandard, Material, PowerItem, Step
from .errors import CatalogueRejected, RowError
from .format import (
    CATEGORIES,
    CLEANUP_STATUSES,
    CODE_FIELDS,
    COLUMN_BY_FIELD,
    COLUMNS,
    DAY_FIELDS,
    FINE_FIELDS,
    HEADER_FIELDS,
    LEVEL_ORDER,
    LEVELS,
    ROLES,
    TEXT_FIELDS,
    NumberText,
    cell_entries,
    header_key,
    parse_amount,
    parse_bool,
    parse_int,
)
from .reading import Table

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 200  # rows between two progress reports

# Content of a new item where the file says nothing (columns it leaves out).
NEW_ITEM_DEFAULTS = {
    "conditions": "",
    "extension_days": 0,
    "is_immediate": False,
    "fee_standard": "",
    "fee_basis": "",
    "rights": "",
    "complaint_channel": "",
    "cleanup_status": CleanupStatus.RETAINED,
    "merged_into": "",
}

# The model's clean() names the field but gives no code: these are the codes of its rules.
_CLEAN_CODES = {
    "promised_days": "promised_over_legal",
    "merged_into": "merged_without_target",
    "amount_max": "bad_range",
    "legal_fine_max": "bad_range",
}


@dataclass
class ItemRecord:
    """One row: the item's content as the file gives it. A list left as None is not in the file."""

    row: int
    code: str
    department_code: str
    department_name: str
    fields: dict = field(default_factory=dict)
    steps: tuple | None = None  # (name, role, days_limit, risk_points)
    materials: tuple | None = None  # (name, required, copies)
    standards: tuple | None = None  # (level, amount_min, amount_max, circumstances, other_sanctions)
    valid: bool = True


@dataclass
class Catalogue:
    records: list[ItemRecord]
    headers: dict[str, str]  # field -> its header as written in the file
    defaults: dict  # content of a new item where the file says nothing
    errors: list[RowError] = field(default_factory=list)
    creates_departments: bool = False  # a list that carries its departments (the Guang'an list)

    def column(self, name: str) -> str:
        return self.headers.get(name) or (COLUMN_BY_FIELD[name].header if name in COLUMN_BY_FIELD else "")


class RowErrors:
    """The errors of one row, each naming the column by its header in the file."""

    def __init__(self, catalogue: Catalogue, row: int):
        self.catalogue, self.row, self.errors, self.bad = catalogue, row, [], set()

    def add(self, name: str, message: str, code: str) -> None:
        self.bad.add(name)
        self.errors.append(RowError(row=self.row, column=self.catalogue.column(name), message=message, code=code))

    def add_unsafe(self, table: Table, positions: dict[str, int]) -> None:
        """An error for each cell the row reads that held unsafe characters (see reading.Table)."""
        for name, at in positions.items():
            found = table.unsafe.get((self.row, at))
            if found:
                message = _(
                    "The cell holds invisible control characters (%(characters)s) that have no place in a "
                    "catalogue; they often come from copying out of another system. Delete them and type "
                    "the text again."
                )
                self.add(name, message % {"characters": ", ".join(found)}, "control_character")

    def add_numeric_codes(self, cells: dict[str, str]) -> None:
        """A code a spreadsheet stored as a number is refused: its leading zeros are gone already."""
        for name in CODE_FIELDS:
            if isinstance(cells.get(name), NumberText):
                message = _(
                    "The code %(value)s is stored as a number, which loses leading zeros and long digits. "
                    "Format the column as Text (文本) in Excel, type the codes again, and import the file."
                )
                self.add(name, message % {"value": cells[name]}, "numeric_code")

    def add_model_errors(self, error: ValidationError, column: str, line: int | None = None) -> None:
        for name, problems in error.error_dict.items():
            for problem in problems:
                message = " ".join(problem.messages)
                if line:
                    message = _("Line %(line)d: %(message)s") % {"line": line, "message": message}
                code = problem.code or _CLEAN_CODES.get(name, "invalid")
                self.add(column if line or name == NON_FIELD_ERRORS else name, message, code)


def parse_standard(table: Table, progress: Progress | None = None) -> Catalogue:
    positions, headers = _columns(table.headers)
    catalogue = Catalogue(records=[], headers=headers, defaults=NEW_ITEM_DEFAULTS)
    first_rows: dict[str, int] = {}
    for done, (number, cells) in enumerate(table.rows, start=1):
        given = {name: cells[at] for name, at in positions.items()}
        # Plain str from here on: a NumberText has said what it had to, and goes no further.
        record, errors = _parse_row(catalogue, number, {name: str(text) for name, text in given.items()})
        errors.add_unsafe(table, positions)
        errors.add_numeric_codes(given)
        if record.code in first_rows:
            errors.add(
                "code",
                _("The code %(code)s is used in row %(row)d already.")
                % {"code": record.code, "row": first_rows[record.code]},
                "duplicate_code",
            )
        elif record.code:
            first_rows[record.code] = number
        record.valid = not errors.errors
        catalogue.records.append(record)
        catalogue.errors += errors.errors
        report(progress, done, len(table.rows))
    return catalogue


def report(progress: Progress | None, done: int, total: int) -> None:
    if progress and (done % PROGRESS_EVERY == 0 or done == total):
        progress(done, total)


def _columns(headers: list[str]) -> tuple[dict[str, int], dict[str, str]]:
    positions, written, errors = {}, {}, []
    for at, header in enumerate(headers):
        name = HEADER_FIELDS.get(header_key(header)) if header else None
        if name is None:
            continue  # a column of the clerk's own (备注 …) is left alone
        if name in positions:
            message = _("The column %(column)s appears twice (also as %(other)s).")
            errors.append(
                RowError(None, header, message % {"column": header, "other": written[name]}, "duplicate_column")
            )
            continue
        positions[name], written[name] = at, header
    for column in COLUMNS:
        if column.required and column.field not in positions:
            message = _("The required column %(column)s (%(field)s) is missing.")
            errors.append(
                RowError(
                    None, column.header, message % {"column": column.header, "field": column.field}, "missing_column"
                )
            )
    if errors:
        raise CatalogueRejected(errors)
    return positions, written


def _parse_row(catalogue: Catalogue, number: int, cells: dict[str, str]) -> tuple[ItemRecord, RowErrors]:
    errors = RowErrors(catalogue, number)
    record = ItemRecord(
        row=number,
        code=cells["code"],
        department_code=cells["department_code"],
        department_name=cells.get("department_name", ""),
    )
    for name in ("code", "department_code"):
        if not cells[name]:
            errors.add(name, _("This cell must not be empty."), "required")
    fields = record.fields
    fields.update({name: cells[name] for name in (*TEXT_FIELDS, "merged_into") if name in cells})
    for name in DAY_FIELDS:
        if name in cells:
            fields[name] = _number(errors, name, cells[name], required=COLUMN_BY_FIELD[name].required)
    for name in FINE_FIELDS:
        if name in cells:
            fields[name] = _fine(errors, name, cells[name])
    category = cells["category"]
    fields["category"] = CATEGORIES.parse(category) if category else None
    if not category:
        errors.add("category", _("This cell must not be empty."), "required")
    elif fields["category"] is None:
        message = _("Unknown category %(value)s: use a code such as XK or a name such as 行政许可.")
        errors.add("category", message % {"value": category}, "unknown_category")
    if "is_immediate" in cells:
        fields["is_immediate"] = parse_bool(cells["is_immediate"], default=False)
        if fields["is_immediate"] is None:
            errors.add("is_immediate", _("Write 是 or 否."), "bad_boolean")
    if "cleanup_status" in cells:
        status = cells["cleanup_status"]
        fields["cleanup_status"] = CLEANUP_STATUSES.parse(status) if status else CleanupStatus.RETAINED
        if fields["cleanup_status"] is None:
            message = _("Unknown cleanup status %(value)s: use 保留, 取消, 合并 or 新增.")
            errors.add("cleanup_status", message % {"value": status}, "unknown_cleanup_status")
    for name in ("name", "legal_basis"):
        if not cells[name]:
            errors.add(name, _("This cell must not be empty."), "required")
    if "steps" in cells:
        record.steps = _steps(errors, cells["steps"])
    if "materials" in cells:
        record.materials = _materials(errors, cells["materials"])
    if "standards" in cells:
        # Checked against the law's range the row gives; against the catalogue's, when applied.
        law = PowerItem(**{name: fields.get(name) for name in FINE_FIELDS if name not in errors.bad})
        record.standards = _standards(errors, cells["standards"], law)
    check_item(errors, record, catalogue.defaults)
    return record, errors


def check_item(errors: RowErrors, record: ItemRecord, defaults: dict) -> None:
    """The model's own rules (lengths, choices, promised ≤ legal …) on what the row gives."""
    given = {name: value for name, value in record.fields.items() if name not in errors.bad}
    item = PowerItem(code=record.code, **(defaults | given))
    exclude = ["department", "status", "version", "published_at", *errors.bad]
    try:
        item.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        errors.add_model_errors(error, column="code")


def _number(errors: RowErrors, name: str, text: str, *, required: bool) -> int | None:
    if not text and required:
        errors.add(name, _("This cell must not be empty."), "required")
        return None
    number = parse_int(text, default=0)
    if number is None:
        errors.add(name, _("%(value)s is not a whole number.") % {"value": text}, "bad_number")
    return number


def _fine(errors: RowErrors, name: str, text: str):
    if not text:
        return None
    amount = parse_amount(text)
    if amount is None:
        errors.add(name, _("%(value)s is not an amount of yuan.") % {"value": text}, "bad_amount")
    return amount


def _entry_error(errors: RowErrors, column: str, line: int, message: str, code: str) -> None:
    errors.add(column, _("Line %(line)d: %(message)s") % {"line": line, "message": message}, code)


def _check_entry(errors: RowErrors, column: str, line: int, entry: models.Model, bad: set[str]) -> None:
    try:
        entry.full_clean(exclude=["item", "form_template", *bad], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        errors.add_model_errors(error, column=column, line=line)


def _steps(errors: RowErrors, text: str) -> tuple:
    steps = []
    for line, parts in cell_entries(text):
        name, role_text, days_text = (parts + ["", ""])[:3]
        role = ROLES.parse(role_text) if role_text else None
        days = parse_int(days_text, default=0)
        bad = set()
        if not name:
            _entry_error(errors, "steps", line, _("the step has no name."), "bad_step")
            bad.add("name")
        if role is None:
            message = _("unknown handling role %(value)s: use one such as 窗口人员, 审查人员, 审批人员.")
            _entry_error(errors, "steps", line, message % {"value": role_text}, "bad_role")
            bad.add("role")
        if days is None:
            message = _("the time limit %(value)s is not a whole number of days.")
            _entry_error(errors, "steps", line, message % {"value": days_text}, "bad_number")
            bad.add("days_limit")
        risk_points = "|".join(parts[3:])  # separators past the last field belong to it
        entry = Step(position=len(steps) + 1, name=name, role=role, days_limit=days, risk_points=risk_points)
        _check_entry(errors, "steps", line, entry, bad)
        steps.append((name, role, days, risk_points))
    return tuple(steps)


def _materials(errors: RowErrors, text: str) -> tuple:
    materials = []
    for line, parts in cell_entries(text):
        name, required_text, copies_text = (parts + ["", ""])[:3]
        required = parse_bool(required_text, default=True)
        copies = parse_int(copies_text, default=1)
        bad = set()
        if not name:
            _entry_error(errors, "materials", line, _("the material has no name."), "bad_material")
            bad.add("name")
        if required is None:
            _entry_error(errors, "materials", line, _("write 是 or 否 for required."), "bad_boolean")
            bad.add("required")
        if copies is None:
            message = _("the copies %(value)s are not a whole number.")
            _entry_error(errors, "materials", line, message % {"value": copies_text}, "bad_number")
            bad.add("copies")
        entry = Material(position=len(materials) + 1, name=name, required=required, copies=copies)
        _check_entry(errors, "materials", line, entry, bad)
        materials.append((name, required, copies))
    return tuple(materials)


def _standards(errors: RowErrors, text: str, law: PowerItem) -> tuple:
    standards, lines = [], {}
    for line, parts in cell_entries(text):
        level_text, low_text, high_text, circumstances = (parts + ["", "", ""])[:4]
        level = LEVELS.parse(level_text) if level_text else None
        bad = set()
        if level is None:
            message = _("unknown circumstance level %(value)s: use 轻微, 一般, 较重 or 严重.")
            _entry_error(errors, "standards", line, message % {"value": level_text}, "bad_level")
            bad.add("level")
        elif level in lines:
            message = _("the level %(value)s is given on line %(other)d already.")
            _entry_error(errors, "standards", line, message % {"value": level_text, "other": lines[level]}, "bad_level")
        else:
            lines[level] = line
        low, high = parse_amount(low_text), parse_amount(high_text)
        for name, amount, amount_text in (("amount_min", low, low_text), ("amount_max", high, high_text)):
            if amount is None:
                message = _("the amount %(value)s is not a number of yuan.")
                _entry_error(errors, "standards", line, message % {"value": amount_text}, "bad_amount")
                bad.add(name)
        other_sanctions = "|".join(parts[4:])
        entry = DiscretionStandard(
            item=law,
            level=level,
            amount_min=low,
            amount_max=high,
            circumstances=circumstances,
            other_sanctions=other_sanctions,
        )
        _check_entry(errors, "standards", line, entry, bad)
        standards.append((level, low, high, circumstances, other_sanctions))
    return tuple(sorted(standards, key=lambda standard: LEVEL_ORDER.get(standard[0], len(LEVEL_ORDER))))
