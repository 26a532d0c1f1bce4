"""Bringing checked item records into the catalogue: one transaction, all or nothing.

An import publishes. A code the catalogue lacks becomes a published version 1; a code whose
published version says the same is left alone; a code whose content differs gets a new version,
copied from the one in force as ``power_item_new_version`` copies it and then given the file's
content, published at once, and the version in force is superseded. The transitions are the
flow's own (submit, publish, supersede), fired in memory, and the rows are written in bulk with
their history: at 10,000 items one query per item would not do.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from portal.models import Department

from ..constants import OPEN_STATUSES, Status
from ..models import DiscretionStandard, Material, PowerItem, Step
from ..selectors import EDIT_CATALOGUE, can_edit_department
from ..services import VERSIONED_FIELDS, catalogue_publish_all
from .errors import CatalogueRejected, RowError
from .format import FINE_FIELDS, LEVEL_ORDER, normal
from .validation import Catalogue, ItemRecord

BATCH = 1000  # records planned and written together: bounds memory and query size
CHANGE_REASON = "catalogue import"


@dataclass
class ImportSummary:
    rows: int = 0
    created: int = 0
    new_versions: int = 0
    unchanged: int = 0
    departments_created: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Existing:
    """What the catalogue holds for the codes of one batch: versions, and the content of each base."""

    versions: dict[str, list[dict]]
    steps: dict[int, tuple]
    materials: dict[int, tuple]  # (name, required, copies, form_template)
    standards: dict[int, tuple]

    def base(self, code: str) -> dict | None:
        """The version a new one starts from: the one in force, else the latest."""
        versions = self.versions.get(code)
        if not versions:
            return None
        published = [version for version in versions if version["status"] == Status.PUBLISHED]
        return published[0] if published else max(versions, key=lambda version: version["version"])


@transaction.atomic
def catalogue_apply(
    *, user, catalogue: Catalogue, dry_run: bool = False, create_departments: bool = False
) -> ImportSummary:
    """Imports the records, or with ``dry_run`` says what importing would do and writes nothing.

    The user must be allowed to publish and to edit every department the file names (creating a
    department needs the right to add departments and to edit every department's items).
    Raises CatalogueRejected with every problem found; then nothing is written.
    """
    errors: list[RowError] = []
    summary = ImportSummary(rows=len(catalogue.records), dry_run=dry_run)
    departments = _departments(catalogue, create_departments or catalogue.creates_departments, errors)
    _check_permissions(user, catalogue, departments, errors)
    new_departments = [department for department in departments.values() if department.pk is None]
    summary.departments_created = len(new_departments)
    if not dry_run and not errors:
        Department.objects.bulk_create(new_departments)
    records = [record for record in catalogue.records if record.valid and record.department_code in departments]
    now = timezone.now()
    for batch in _batches(records):
        existing = _existing([record.code for record in batch], lock=not dry_run)
        created, changed = _plan(batch, existing, departments, catalogue, errors, summary)
        if not dry_run and not errors:
            _publish(user, catalogue, departments, existing, created, changed, now)
            # The external zone's public copy follows, in this same transaction.
            catalogue_publish_all(codes=[record.code for record in (*created, *changed)])
    if errors:
        raise CatalogueRejected(errors)
    return summary


def _batches(records: list[ItemRecord]) -> Iterator[list[ItemRecord]]:
    for start in range(0, len(records), BATCH):
        yield records[start : start + BATCH]


def _departments(catalogue: Catalogue, create: bool, errors: list[RowError]) -> dict[str, Department]:
    """The department of each code in the file; unsaved ones are to be created."""
    records_by_code = defaultdict(list)
    for record in catalogue.records:
        if record.department_code:
            records_by_code[record.department_code].append(record)
    known = Department.objects.in_bulk(list(records_by_code), field_name="code")
    names = {
        code: sorted({record.department_name for record in records if record.department_name})
        for code, records in records_by_code.items()
        if code not in known
    }
    wanted = [name for code_names in names.values() for name in code_names]
    taken = dict(Department.objects.filter(name__in=wanted).values_list("name", "code")) if create else {}
    departments = {}
    for code, records in records_by_code.items():
        if code in known:
            department = departments[code] = known[code]
            message = _("The department with the code %(code)s is %(name)s, not %(given)s.")
            errors.extend(
                RowError(
                    record.row,
                    catalogue.column("department_name"),
                    message % {"code": code, "name": department.name, "given": record.department_name},
                    "department_mismatch",
                )
                for record in records
                if record.department_name and record.department_name != department.name
            )
            continue
        if create:
            department, problems = _new_department(code, names[code], taken)
        else:
            message = _("No department has the code %(code)s.") % {"code": code}
            department, problems = None, [("department_code", message, "unknown_department")]
        if department:
            departments[code] = department
        for field, message, error_code in problems:
            errors.extend(RowError(record.row, catalogue.column(field), message, error_code) for record in records)
    return departments


def _new_department(code: str, names: list[str], taken: dict[str, str]) -> tuple[Department | None, list[tuple]]:
    """A department to create from the file, or the problems (column, message, code) that prevent it."""
    if not names:
        message = _("No department has the code %(code)s, and the file gives no name to create it.")
        return None, [("department_code", message % {"code": code}, "unknown_department")]
    if len(names) > 1:
        message = _("The department code %(code)s comes with different names: %(names)s.")
        return None, [("department_name", message % {"code": code, "names": "、".join(names)}, "department_conflict")]
    if names[0] in taken:
        message = _("The department %(name)s exists already, with the code %(other)s.")
        return None, [
            ("department_name", message % {"name": names[0], "other": taken[names[0]]}, "department_conflict")
        ]
    department = Department(code=code, name=names[0])
    try:
        department.full_clean(exclude=["parent"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return None, [
            ("department_name" if field == "name" else "department_code", " ".join(messages), "invalid_department")
            for field, messages in error.message_dict.items()
        ]
    return department, []


def _check_permissions(user, catalogue: Catalogue, departments: dict[str, Department], errors: list[RowError]) -> None:
    if not (user.is_active and user.has_perm("powers.publish_poweritem")):
        message = _("An import publishes items, and you may not publish catalogue items.")
        errors.append(RowError(None, "", message, "forbidden"))
    for code, department in departments.items():
        if department.pk is None:
            allowed = user.has_perm("portal.add_department") and user.has_perm(EDIT_CATALOGUE)
        else:
            allowed = can_edit_department(user, department)
        if not allowed:
            message = _("You may not edit the catalogue items of %(department)s.") % {"department": department.name}
            errors.extend(
                RowError(record.row, catalogue.column("department_code"), message, "forbidden")
                for record in catalogue.records
                if record.department_code == code
            )


def _existing(codes: list[str], *, lock: bool) -> _Existing:
    versions = PowerItem.objects.filter(code__in=codes)
    if lock:
        versions = versions.select_for_update()
    existing = _Existing(versions=defaultdict(list), steps={}, materials={}, standards={})
    for version in versions.values("id", "status", "version", *VERSIONED_FIELDS):
        existing.versions[version["code"]].append(version)
    base_ids = [existing.base(code)["id"] for code in existing.versions]
    for model, target, fields in (
        (Step, existing.steps, ("name", "role", "days_limit", "risk_points")),
        (Material, existing.materials, ("name", "required", "copies", "form_template")),
        (
            DiscretionStandard,
            existing.standards,
            ("level", "amount_min", "amount_max", "circumstances", "other_sanctions"),
        ),
    ):
        rows = defaultdict(list)
        for item_id, *values in model.objects.filter(item_id__in=base_ids).values_list("item_id", *fields):
            rows[item_id].append(tuple(normal(value) for value in values))
        target.update({item_id: tuple(values) for item_id, values in rows.items()})
    existing.standards = {
        item_id: tuple(sorted(rows, key=lambda row: LEVEL_ORDER[row[0]]))
        for item_id, rows in existing.standards.items()
    }
    return existing


def _plan(batch, existing: _Existing, departments, catalogue, errors, summary) -> tuple[list, list]:
    created, changed = [], []
    for record in batch:
        base = existing.base(record.code)
        if base is None:
            created.append(record)
            summary.created += 1
            continue
        outside = _outside_law(record, base, existing)
        if outside:
            errors.append(RowError(record.row, catalogue.column("standards"), outside, "outside_law"))
            continue
        if base["status"] == Status.PUBLISHED and _same(record, base, departments[record.department_code], existing):
            summary.unchanged += 1
            continue
        open_version = next((v for v in existing.versions[record.code] if v["status"] in OPEN_STATUSES), None)
        if open_version:
            message = _(
                "Version %(version)d of this item is being edited; publish or discard it before importing a change."
            )
            errors.append(RowError(record.row, catalogue.column("code"), message % open_version, "open_version"))
            continue
        changed.append(record)
        summary.new_versions += 1
    return created, changed


def _outside_law(record: ItemRecord, base: dict, existing: _Existing) -> str | None:
    """A row of the discretion standard the new version would have outside the law's range it would
    have, where one of the two comes from the version in force (the file's own pair is checked
    when it is read)."""
    if record.standards is not None and all(name in record.fields for name in FINE_FIELDS):
        return None
    law = PowerItem(**{name: record.fields.get(name, base[name]) for name in FINE_FIELDS})
    for level, low, high, *_texts in _given(record.standards, existing.standards, base["id"]):
        row = DiscretionStandard(item=law, level=level, amount_min=low, amount_max=high)
        try:
            row.clean()
        except ValidationError as error:
            return " ".join(message for messages in error.message_dict.values() for message in messages)
    return None


def _same(record: ItemRecord, base: dict, department: Department, existing: _Existing) -> bool:
    if base["department_id"] != department.pk:
        return False
    if any(normal(base[name]) != value for name, value in record.fields.items()):
        return False
    materials = tuple(material[:3] for material in existing.materials.get(base["id"], ()))
    return all(
        given is None or given == held
        for given, held in (
            (record.steps, existing.steps.get(base["id"], ())),
            (record.materials, materials),
            (record.standards, existing.standards.get(base["id"], ())),
        )
    )


def _publish(user, catalogue, departments, existing: _Existing, created, changed, now) -> None:
    history = {"default_user": user, "default_change_reason": CHANGE_REASON, "batch_size": 500}
    _supersede([existing.base(record.code)["id"] for record in changed], now, history)
    records = [*created, *changed]
    items = []
    for record in records:
        base = existing.base(record.code)
        values = {name: base[name] for name in VERSIONED_FIELDS} if base else dict(catalogue.defaults)
        values |= record.fields | {"code": record.code, "department_id": departments[record.department_code].pk}
        latest = max((version["version"] for version in existing.versions.get(record.code, ())), default=0)
        item = PowerItem(**values, version=latest + 1)
        item.submit()
        item.publish()
        item.published_at = now
        items.append(item)
    bulk_create_with_history(items, PowerItem, **history)
    for model, rows in _lists(items, records, existing).items():
        bulk_create_with_history(rows, model, **history)


def _supersede(ids: list[int], now, history: dict) -> None:
    superseded = [item for item in PowerItem.objects.filter(pk__in=ids) if item.status == Status.PUBLISHED]
    for item in superseded:
        item.supersede()
        item.updated_at = now
    # Every one moves to the same state: one UPDATE, not bulk_update's CASE over each row.
    PowerItem.objects.filter(pk__in=[item.pk for item in superseded]).update(status=Status.SUPERSEDED, updated_at=now)
    PowerItem.history.bulk_history_create(superseded, update=True, **history)


def _lists(items: list[PowerItem], records: list[ItemRecord], existing: _Existing) -> dict[type, list]:
    """The steps, materials and standards of the new versions: the file's, else their base's."""
    lists = {Step: [], Material: [], DiscretionStandard: []}
    for item, record in zip(items, records, strict=True):
        base = existing.base(record.code)
        base_id = base["id"] if base else None
        for position, (name, role, days, risk) in enumerate(_given(record.steps, existing.steps, base_id), start=1):
            lists[Step].append(
                Step(item=item, position=position, name=name, role=role, days_limit=days, risk_points=risk)
            )
        # Uploaded form templates are not in the file: a material keeps the one of its namesake.
        templates = {row[0]: row[3] for row in reversed(existing.materials.get(base_id, ())) if row[3]}
        materials = _given(record.materials, existing.materials, base_id)
        for position, (name, required, copies, *kept) in enumerate(materials, start=1):
            template = kept[0] if kept else templates.get(name, "")
            lists[Material].append(
                Material(
                    item=item, position=position, name=name, required=required, copies=copies, form_template=template
                )
            )
        for level, low, high, circumstances, other in _given(record.standards, existing.standards, base_id):
            lists[DiscretionStandard].append(
                DiscretionStandard(
                    item=item,
                    level=level,
                    amount_min=low,
                    amount_max=high,
                    circumstances=circumstances,
                    other_sanctions=other,
                )
            )
    return lists


def _given(rows: tuple | None, held: dict[int, tuple], base_id: int | None) -> tuple:
    """The file's list where it gives one, else the list of the version the new one comes from."""
    return rows if rows is not None else held.get(base_id, ())
