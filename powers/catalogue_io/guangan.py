"""The published list of Guang'an district (../shared/data/guangan-items.csv) as item records.

The list names each item, its task type and its department, nothing more: what a catalogue item
needs beyond that gets the placeholders below, which the departments must complete (see
docs/catalogue-format.md). A placeholder never overwrites what an item already has.
"""

from collections import Counter

from django.utils.translation import gettext as _

from .format import header_key
from .reading import Table
from .validation import NEW_ITEM_DEFAULTS, Catalogue, ItemRecord, Progress, RowErrors, check_item, report

HEADER = ("department", "main_item", "name", "item_code", "task_type", "dept_code")
FIELDS = ("department_name", "main_item", "name", "code", "category", "department_code")

# The province's task types (事项类型) as catalogue categories.
TASK_TYPES = {"1": "XK", "5": "JF", "7": "QR", "8": "JL", "9": "CJ", "10": "QT", "20": "GG"}

# What a new item gets where the list is silent: placeholders the departments must complete.
# Twenty working days is the general limit of the Administrative Licensing Law, art. 42.
PLACEHOLDERS = {
    **NEW_ITEM_DEFAULTS,
    "legal_basis": "详见办事指南（待实施主体补充设定依据）",
    "legal_days": 20,
    "promised_days": 20,
}


def is_guangan(table: Table) -> bool:
    return tuple(header_key(header) for header in table.headers) == HEADER


def parse_guangan(table: Table, progress: Progress | None = None) -> Catalogue:
    headers = dict(zip(FIELDS, HEADER, strict=True))
    catalogue = Catalogue(records=[], headers=headers, defaults=PLACEHOLDERS, creates_departments=True)
    codes = _department_codes(table)
    first_rows: dict[str, int] = {}
    for done, (number, cells) in enumerate(table.rows, start=1):
        numbers = {"code": cells[3], "department_code": cells[5]}
        department, _main_item, name, code, task_type, department_code = map(str, cells[:6])
        errors = RowErrors(catalogue, number)
        record = ItemRecord(
            row=number,
            code=code,
            department_code=codes.get(department, department_code),
            department_name=department,
            fields={"name": name, "category": TASK_TYPES.get(task_type)},
        )
        for field, value in (("code", code), ("name", name), ("department_name", department)):
            if not value:
                errors.add(field, _("This cell must not be empty."), "required")
        if record.fields["category"] is None:
            message = _("Unknown task type %(value)s: known are 1, 5, 7, 8, 9, 10 and 20.")
            errors.add("category", message % {"value": task_type}, "unknown_task_type")
        if code in first_rows:
            message = _("The code %(code)s is used in row %(row)d already.")
            errors.add("code", message % {"code": code, "row": first_rows[code]}, "duplicate_code")
        first_rows.setdefault(code, number)
        errors.add_numeric_codes(numbers)
        errors.add_unsafe(table, {field: at for at, field in enumerate(FIELDS) if field != "main_item"})
        check_item(errors, record, catalogue.defaults)
        record.valid = not errors.errors
        catalogue.records.append(record)
        catalogue.errors += errors.errors
        report(progress, done, len(table.rows))
    return catalogue


def _department_codes(table: Table) -> dict[str, str]:
    """Each department's code: the one most of its rows give.

    The list gives a few departments several codes (区人社局 five: its own and four of its units,
    written with a suffix such as _5143; 区交通运输局 two). A department has one code here and
    the department name is unique, so the items of those units go to the department.
    """
    counts: dict[str, Counter] = {}
    for _number, cells in table.rows:
        counts.setdefault(cells[0], Counter())[cells[5]] += 1
    return {department: codes.most_common(1)[0][0] for department, codes in counts.items()}
