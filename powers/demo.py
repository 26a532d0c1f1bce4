"""Demo data for `manage.py seed_demo`: the published catalogue of the fictional 阳光区 and its editors.

Runs after portal.demo.seed, which creates the departments and the user "catalogue". Items are looked
up by code: an item whose code exists already (in any version) is left alone, so running the seeder
again changes nothing, and an item edited in the demo keeps its versions. The zone that keeps the
catalogue then sends all of it to the external zone, which already holding it changes nothing there.
"""

from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm
from simple_history.utils import bulk_create_with_history

from portal.demo import DEMO_PASSWORD
from portal.models import Department, User
from portal.roles import Role

from .constants import Category, CleanupStatus, Level, Status
from .demo_data import FLOWS, ITEMS, RIGHTS
from .models import DiscretionStandard, Material, PowerItem, Step
from .selectors import EDIT_CATALOGUE
from .services import catalogue_publish_all

CHANGE_REASON = "演示数据"
LEVELS = [Level.MINOR, Level.GENERAL, Level.SERIOUS, Level.SEVERE]
# (username, name, department code): may edit that department's items only.
DEPARTMENT_EDITOR = ("sjj_editor", "市场监管局目录编辑", "YG-SJJ")


@transaction.atomic
def seed() -> list[tuple[str, str]]:
    """Create the demo catalogue items that are missing; returns the demo login it adds."""
    departments = Department.objects.in_bulk(field_name="code")
    _seed_items(departments)
    catalogue_publish_all()
    return [_seed_editors(departments)]


def _seed_items(departments: dict[str, Department]) -> None:
    existing = set(PowerItem.objects.filter(code__in=[data["code"] for data in ITEMS]).values_list("code", flat=True))
    missing = [data for data in ITEMS if data["code"] not in existing]
    if not missing:
        return
    now = timezone.now()
    history = {"default_change_reason": CHANGE_REASON, "default_date": now}
    items = bulk_create_with_history([_item(data, departments, now) for data in missing], PowerItem, **history)
    steps, materials, standards = [], [], []
    for item, data in zip(items, missing, strict=True):
        steps += _steps(item, *data["steps"])
        materials += [_material(item, position, spec) for position, spec in enumerate(data["materials"], 1)]
        if item.is_penalty:
            standards += _standards(item, data["standards"])
    for model, rows in ((Step, steps), (Material, materials), (DiscretionStandard, standards)):
        bulk_create_with_history(rows, model, **history)


def _item(data: dict, departments: dict[str, Department], now: datetime) -> PowerItem:
    prefix, _number = data["code"].rsplit("-", 1)
    category, department_code = prefix.split("-", 1)  # XK-YG-SJJ-0001: XK, YG-SJJ
    department = departments[department_code]
    legal_days, promised_days = data["days"]
    fee_standard, fee_basis = data.get("fee", ("", ""))
    legal_fine_min, legal_fine_max = data.get("fine", (None, None))
    return PowerItem(
        code=data["code"],
        name=data["name"],
        category=category,
        department=department,
        legal_basis=data["basis"],
        conditions=data["conditions"],
        legal_days=legal_days,
        promised_days=promised_days,
        extension_days=data.get("extension", 10 if category == Category.LICENSING else 0),
        is_immediate=data.get("immediate", False),
        legal_fine_min=legal_fine_min,
        legal_fine_max=legal_fine_max,
        fee_standard=fee_standard,
        fee_basis=fee_basis,
        rights=data.get("rights", RIGHTS[category]),
        complaint_channel=(
            f"阳光区12345政务服务便民热线；{department.name}政务服务窗口（现场或者书面投诉）；"
            "阳光区纪委监委信访举报电话12388"
        ),
        cleanup_status=data.get("cleanup", CleanupStatus.RETAINED),
        status=Status.PUBLISHED,  # a protected FSM field: set here, never assigned afterwards
        published_at=now,
    )


def _steps(item: PowerItem, flow: str, days: tuple[int, ...]) -> list[Step]:
    if len(days) != len(FLOWS[flow]):
        raise ValueError(f"{item.code}: {len(days)} day limits for the {len(FLOWS[flow])} steps of {flow!r}")
    return [
        Step(item=item, position=position, name=name, role=role, days_limit=limit, risk_points=risks)
        for position, ((name, role, risks), limit) in enumerate(zip(FLOWS[flow], days, strict=True), 1)
    ]


def _standards(item: PowerItem, rows: list[tuple[str, int, int, str]]) -> list[DiscretionStandard]:
    """One row per level, from the lightest: (circumstances, lowest amount, highest amount, other sanctions)."""
    return [
        DiscretionStandard(
            item=item,
            level=level,
            circumstances=circumstances,
            amount_min=Decimal(low),
            amount_max=Decimal(high),
            other_sanctions=other,
        )
        for level, (circumstances, low, high, other) in zip(LEVELS, rows, strict=True)
    ]


def _material(item: PowerItem, position: int, spec: str | tuple[str, bool, int]) -> Material:
    name, required, copies = (spec, True, 1) if isinstance(spec, str) else spec
    return Material(item=item, position=position, name=name, required=required, copies=copies)


def _seed_editors(departments: dict[str, Department]) -> tuple[str, str]:
    """The user "catalogue" may edit every department's items; the department editor only its own department's."""
    app_label, codename = EDIT_CATALOGUE.split(".")
    edit_catalogue = Permission.objects.get(content_type__app_label=app_label, codename=codename)
    User.objects.get(username="catalogue").user_permissions.add(edit_catalogue)

    username, name, department_code = DEPARTMENT_EDITOR
    department = departments[department_code]
    editor, _created = User.objects.update_or_create(
        username=username, defaults={"name": name, "department": department, "is_staff": True}
    )
    editor.set_password(DEMO_PASSWORD)
    editor.save(update_fields=["password"])
    editor.groups.set([Group.objects.get(name=Role.CATALOGUE_ADMIN)])
    assign_perm(EDIT_CATALOGUE, editor, department)
    return username, Role.CATALOGUE_ADMIN.label
