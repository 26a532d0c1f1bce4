"""Every change to the catalogue. Editors work on drafts; a published version is never edited.

The zone that keeps the catalogue (internal, or single) sends every change to the set of published
items to the external zone as a ``catalogue.published`` packet, in the transaction of the change;
the external zone's public catalogue is the copy those packets build (``catalogue_published_apply``).
"""

from decimal import Decimal
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from portal.models import Department
from portal.services import department_copy
from portal.zones import serves_internal
from workflow.exchange.packets import Kind, moment, sha256
from workflow.exchange.services import handles, packets_emit, sent_here

from .constants import OPEN_STATUSES, Status
from .models import DiscretionStandard, Material, PowerItem, Step
from .selectors import can_edit_department


def _require_editor(user, department: Department) -> None:
    if not can_edit_department(user, department):
        raise PermissionDenied(
            _("You may not edit the catalogue items of %(department)s.") % {"department": department}
        )


def _require_publisher(user, item: PowerItem) -> None:
    _require_editor(user, item.department)
    if not user.has_perm("powers.publish_poweritem"):
        raise PermissionDenied(_("You may not review or publish catalogue items."))


def _locked(item: PowerItem) -> PowerItem:
    return PowerItem.objects.select_for_update().get(pk=item.pk)


def _save(item: PowerItem, user) -> None:
    # The history row names who made the change, also outside a request (commands, tasks).
    item._history_user = user
    item.save()


def power_item_generate_code(*, category: str, department: Department) -> str:
    """A new item's code: category, department code and a sequence within both, e.g. XK-YG-SJJ-0007.

    Callers hold a lock on the department row, so two new items never draw the same number.
    """
    prefix = f"{category}-{department.code}-"
    taken = PowerItem.objects.filter(code__startswith=prefix).values_list("code", flat=True)
    numbers = [int(code.removeprefix(prefix)) for code in taken if code.removeprefix(prefix).isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


@transaction.atomic
def power_item_create(*, user, item: PowerItem) -> PowerItem:
    """Saves a new item's first draft, built by a form. Without a code, one is generated; a code
    already used by another item is refused."""
    _require_editor(user, item.department)
    Department.objects.select_for_update().get(pk=item.department_id)
    if item.code and PowerItem.objects.filter(code=item.code).exists():
        raise ValidationError({"code": _("The code %(code)s belongs to another item.") % {"code": item.code}})
    item.code = item.code or power_item_generate_code(category=item.category, department=item.department)
    item.version = 1
    item.full_clean()
    _save(item, user)
    return item


# What a new version copies from the one before: the content, not the life-cycle bookkeeping.
VERSIONED_FIELDS = [
    field.attname
    for field in PowerItem._meta.concrete_fields
    if field.name not in ("id", "status", "version", "published_at", "created_at", "updated_at")
]


@transaction.atomic
def power_item_new_version(*, user, item: PowerItem) -> PowerItem:
    """The draft in which a published item is edited: a copy with its steps, materials and standards.

    If a draft or a version in review exists already, that one is returned: one open version per item.
    """
    _require_editor(user, item.department)
    versions = PowerItem.objects.select_for_update().filter(code=item.code)
    open_version = versions.filter(status__in=OPEN_STATUSES).first()
    if open_version:
        return open_version
    source = versions.filter(status=Status.PUBLISHED).first() or item
    draft = PowerItem(
        **{name: getattr(source, name) for name in VERSIONED_FIELDS},
        version=versions.aggregate(latest=Max("version"))["latest"] + 1,
    )
    _save(draft, user)
    for model in (Step, Material, DiscretionStandard):
        rows = list(model.objects.filter(item=source))
        for row in rows:
            row.pk = row.id = None
            row.item = draft
        bulk_create_with_history(rows, model, default_user=user)
    return draft


@transaction.atomic
def power_item_draft_from_history(*, user, item: PowerItem, record) -> PowerItem:
    """The item's draft, given the content of ``record``, one of ``item``'s history rows: how an
    earlier state comes back, never by editing a version in place. The draft is the open one, or
    the new version ``power_item_new_version`` drafts; its steps, materials and standards stay
    the draft's. A version in review is refused: it goes back to draft first."""
    if record.id != item.pk:
        raise ValidationError(_("This history row belongs to another item."))
    _require_editor(user, record.department)
    draft = _locked(power_item_new_version(user=user, item=item))
    if not draft.is_editable:
        raise ValidationError(
            _("Version %(version)s is in review: send it back to draft first.") % {"version": draft.version}
        )
    for name in VERSIONED_FIELDS:
        if name != "code":
            setattr(draft, name, getattr(record, name))
    draft.full_clean()
    draft._change_reason = _("Drafted from the history row of %(date)s") % {
        "date": timezone.localtime(record.history_date).strftime("%Y-%m-%d %H:%M")
    }
    _save(draft, user)
    return draft


def _fire(item: PowerItem, transition: str, user) -> PowerItem:
    """Fires one transition on the locked row, so two editors never move the same item at once."""
    item = _locked(item)
    getattr(item, transition)()
    _save(item, user)
    return item


@transaction.atomic
def power_item_submit(*, user, item: PowerItem) -> PowerItem:
    _require_editor(user, item.department)
    return _fire(item, "submit", user)


@transaction.atomic
def power_item_reject(*, user, item: PowerItem) -> PowerItem:
    _require_publisher(user, item)
    return _fire(item, "reject", user)


@transaction.atomic
def power_item_publish(*, user, item: PowerItem) -> PowerItem:
    """Brings the version into force; the version in force until now is superseded, not changed."""
    _require_publisher(user, item)
    item = _locked(item)
    current = PowerItem.objects.select_for_update().filter(code=item.code, status=Status.PUBLISHED).first()
    if current:
        current.supersede()
        _save(current, user)
    item.publish()
    item.published_at = timezone.now()
    _save(item, user)
    # The packet of the new version is enough: the external zone supersedes its older copy itself.
    _catalogue_emit(item)
    return item


@transaction.atomic
def power_item_abolish(*, user, item: PowerItem) -> PowerItem:
    _require_publisher(user, item)
    item = _fire(item, "abolish", user)
    _catalogue_emit(item)
    return item


# The catalogue through the exchange --------------------------------------------------------------

# What the public sees of an item version, which is what the external zone receives. The steps'
# corruption-risk points stay inside: no public page shows them.
PUBLIC_FIELDS = [
    "name",
    "category",
    "legal_basis",
    "conditions",
    "legal_days",
    "promised_days",
    "extension_days",
    "is_immediate",
    "fee_standard",
    "fee_basis",
    "rights",
    "complaint_channel",
    "cleanup_status",
    "merged_into",
]
STEP_FIELDS = ["position", "name", "role", "days_limit"]
MATERIAL_FIELDS = ["position", "name", "required", "copies"]
STANDARD_FIELDS = ["level", "circumstances", "other_sanctions"]
# The versions the external zone keeps a copy of: in force, or the last one in force of an
# abolished item (the public cleanup figures count those too).
SENT_STATUSES = (Status.PUBLISHED, Status.ABOLISHED)
CHANGE_REASON = "catalogue.published"


def _catalogue_stream(code: str) -> str:
    # A stream only orders packets and holds 60 characters (real codes reach 55): two long codes
    # that share their first 50 share a stream, which orders their packets together, harmlessly.
    return f"catalogue:{code}"[:60]


def _catalogue_payload(item: PowerItem) -> tuple[dict, list[tuple[str, str]]]:
    """The packet of one item version: its whole public content, and its form templates to attach
    as (attachment name, storage name), named in the payload by their SHA-256."""
    files, materials = [], []
    for material in item.materials.all():
        row = {name: getattr(material, name) for name in MATERIAL_FIELDS}
        if material.form_template:
            with default_storage.open(material.form_template.name, "rb") as template:
                digest = sha256(template.read())
            filename = PurePath(material.form_template.name).name
            row["form_template"] = {"file": digest, "filename": filename}
            files.append((filename, material.form_template.name))
        materials.append(row)
    department = item.department
    payload = {
        "code": item.code,
        "version": item.version,
        "status": str(item.status),
        "department": {"code": department.code, "name": department.name, "kind": department.kind},
        "item": {
            **{name: getattr(item, name) for name in PUBLIC_FIELDS},
            "published_at": item.published_at.isoformat() if item.published_at else None,
        },
        "steps": [{name: getattr(step, name) for name in STEP_FIELDS} for step in item.steps.all()],
        "materials": materials,
        # Amounts as decimal strings: a packet holds no floats.
        "standards": [
            {
                **{name: getattr(standard, name) for name in STANDARD_FIELDS},
                "amount_min": str(standard.amount_min),
                "amount_max": str(standard.amount_max),
            }
            for standard in item.standards.all()
        ],
    }
    return payload, files


def _catalogue_emit(*items: PowerItem) -> None:
    """Queue the item versions for the external zone, in the current transaction."""
    if not serves_internal():
        return  # this zone's catalogue is itself the copy
    packets_emit(
        kind=Kind.CATALOGUE_PUBLISHED,
        packets=[(_catalogue_stream(item.code), *_catalogue_payload(item)) for item in items],
    )


@transaction.atomic
def catalogue_publish_all(*, codes=None) -> int:
    """Send the catalogue (or the items of ``codes``) to the external zone again (a zone installed
    afresh, the demo, an import): every item's version in force, or the last one of an abolished
    item. Returns how many were sent; none from a zone whose catalogue is a copy. The external
    zone already holding them changes nothing."""
    if not serves_internal():
        return 0
    sent = PowerItem.objects.filter(status__in=SENT_STATUSES)
    if codes is not None:
        sent = sent.filter(code__in=codes)
    latest = {}
    for pk, code in sent.order_by("code", "version").values_list("pk", "code"):
        latest[code] = pk
    items = (
        PowerItem.objects.filter(pk__in=latest.values())
        .select_related("department")
        .prefetch_related("steps", "materials", "standards")
        .order_by("code")
    )
    _catalogue_emit(*items)
    return len(latest)


@handles(Kind.CATALOGUE_PUBLISHED)
def catalogue_published_apply(packet) -> None:
    """The external zone's copy of an item version.

    The copy has the same code and version as the original, and its steps and materials the same
    positions: cases filed outside name their item by (code, version) and each material by its
    position, and the internal zone finds them by the same. This is a contract between the zones:
    keep it. A published version is never edited, so a copy that exists only takes the packet's
    status; a version older than a copy already here changes nothing.
    """
    if sent_here(packet):
        return  # the single zone: the packet came from this very catalogue
    payload = packet.payload
    versions = PowerItem.objects.filter(code=payload["code"])
    if versions.filter(version__gt=payload["version"]).exists():
        return
    department = department_copy(**payload["department"])
    # One version in force per code: the one before steps back, as it did inside.
    _copies_move(versions.exclude(version=payload["version"]).filter(status=Status.PUBLISHED), Status.SUPERSEDED)
    copy = versions.filter(version=payload["version"]).first()
    if copy is None:
        _copy_create(payload, department, {file["sha256"]: file["storage"] for file in packet.files})
    else:
        _copies_move(versions.filter(pk=copy.pk), payload["status"])


def _copies_move(copies, status: str) -> None:
    """Put copies in ``status``, with their history: a copy follows the internal zone's
    transitions, it does not fire its own."""
    moved = list(copies.exclude(status=status).values_list("pk", flat=True))
    if not moved:
        return
    PowerItem.objects.filter(pk__in=moved).update(status=status, updated_at=timezone.now())
    PowerItem.history.bulk_history_create(
        list(PowerItem.objects.filter(pk__in=moved)), update=True, default_change_reason=CHANGE_REASON
    )


def _copy_create(payload: dict, department: Department, stored: dict[str, str]) -> None:
    data = payload["item"]
    published_at = moment(data["published_at"])
    item = PowerItem(
        code=payload["code"],
        version=payload["version"],
        department=department,
        status=payload["status"],  # a protected FSM field: set when created, never assigned
        published_at=published_at,
        **{name: data[name] for name in PUBLIC_FIELDS},
    )
    item.full_clean(validate_unique=False, validate_constraints=False)
    item._change_reason = CHANGE_REASON
    item.save()
    steps = [Step(item=item, **{name: row[name] for name in STEP_FIELDS}) for row in payload["steps"]]
    materials = [Material(item=item, **{name: row[name] for name in MATERIAL_FIELDS}) for row in payload["materials"]]
    standards = [
        DiscretionStandard(
            item=item,
            **{name: row[name] for name in STANDARD_FIELDS},
            amount_min=Decimal(row["amount_min"]),
            amount_max=Decimal(row["amount_max"]),
        )
        for row in payload["standards"]
    ]
    for row in (*steps, *materials, *standards):
        row.full_clean(exclude=["item"], validate_unique=False, validate_constraints=False)
    # Stored only once every row is valid: a refused packet leaves no stray files behind.
    for material, row in zip(materials, payload["materials"], strict=True):
        if "form_template" in row:
            _template_save(material, row["form_template"], stored)
    for model, rows in ((Step, steps), (Material, materials), (DiscretionStandard, standards)):
        bulk_create_with_history(rows, model, default_change_reason=CHANGE_REASON)


def _template_save(material: Material, template: dict, stored: dict[str, str]) -> None:
    if template["file"] not in stored:
        raise ValidationError(
            _("The form template %(name)s is not attached to the packet.") % {"name": template["filename"]}
        )
    with default_storage.open(stored[template["file"]], "rb") as file:
        material.form_template.save(template["filename"], ContentFile(file.read()), save=False)
