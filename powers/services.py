"""Every change to the catalogue. Editors work on drafts; a published version is never edited."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from portal.models import Department

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
    return item


@transaction.atomic
def power_item_abolish(*, user, item: PowerItem) -> PowerItem:
    _require_publisher(user, item)
    return _fire(item, "abolish", user)
