import pytest
from django.core.management import call_command

from portal.demo import DEMO_PASSWORD
from portal.models import Department, User
from portal.roles import Role
from powers.constants import Category, Level, Status
from powers.demo_data import ITEMS
from powers.models import DiscretionStandard, Material, PowerItem, Step
from powers.selectors import can_edit_department

pytestmark = pytest.mark.django_db

LEVEL_ORDER = [Level.MINOR, Level.GENERAL, Level.SERIOUS, Level.SEVERE]
CATALOGUE_MODELS = (PowerItem, Step, Material, DiscretionStandard)


def _counts():
    return [model.objects.count() for model in CATALOGUE_MODELS] + [
        model.history.model.objects.count() for model in CATALOGUE_MODELS
    ]


@pytest.fixture
def seeded():
    call_command("seed_demo")


def test_seed_demo_twice_leaves_the_same_catalogue():
    call_command("seed_demo")
    counts = _counts()

    call_command("seed_demo")

    assert _counts() == counts
    assert counts[0] == len(ITEMS) >= 55
    assert all(history for history in counts[4:])  # every demo row has its creation in the history
    assert not PowerItem.objects.exclude(version=1).exists()


# A demo item with five steps that no demo case was filed for (cases protect their item).
NO_CASES = "XK-YG-WJJ-0001"


def test_a_missing_item_is_created_again_and_the_others_are_left_alone(seeded):
    PowerItem.objects.get(code=NO_CASES).delete()
    untouched = PowerItem.objects.get(code="CF-YG-SJJ-0001")

    call_command("seed_demo")

    assert PowerItem.objects.count() == len(ITEMS)
    assert PowerItem.objects.get(code=NO_CASES).steps.count() == 5
    assert PowerItem.objects.get(code="CF-YG-SJJ-0001").updated_at == untouched.updated_at


def test_every_category_and_every_implementing_department_is_present(seeded):
    assert set(PowerItem.objects.values_list("category", flat=True)) == set(Category.values)
    implementing = set(PowerItem.objects.values_list("department__code", flat=True))
    assert implementing == set(Department.objects.exclude(code="YG-JWJ").values_list("code", flat=True))
    assert PowerItem.objects.filter(category=Category.PENALTY).count() >= 6


def test_codes_follow_the_generated_code_scheme(seeded):
    for item in PowerItem.objects.select_related("department"):
        prefix, number = item.code.rsplit("-", 1)
        assert prefix == f"{item.category}-{item.department.code}"
        assert len(number) == 4 and number.isdigit()


def test_every_item_is_published_and_complete(seeded):
    for item in PowerItem.objects.prefetch_related("steps", "materials"):
        assert item.status == Status.PUBLISHED and item.published_at, item.code
        assert item.name and item.legal_basis.startswith("《"), item.code
        assert item.rights and "12345" in item.complaint_channel, item.code
        assert item.promised_days <= item.legal_days, item.code
        assert item.is_immediate == (item.promised_days == 0), item.code
        steps = list(item.steps.all())
        assert 3 <= len(steps) <= 6, item.code
        assert [step.position for step in steps] == list(range(1, len(steps) + 1))
        assert {step.role for step in steps} <= set(Role.values) - {Role.CITIZEN, Role.INSPECTOR}
        assert sum(step.days_limit for step in steps) <= item.promised_days, item.code
        assert 2 <= item.materials.count() <= 6, item.code
        item.full_clean()


def test_the_catalogue_has_realistic_variety(seeded):
    items = PowerItem.objects.all()
    assert items.filter(is_immediate=True).count() >= 3
    assert items.exclude(fee_standard="").exclude(fee_basis="").count() >= 3
    assert items.filter(cleanup_status="added").count() >= 2
    assert items.filter(cleanup_status="retained").count() > items.count() / 2
    assert all(item.extension_days >= 10 for item in items.filter(category=Category.LICENSING, is_immediate=False))
    assert Step.objects.exclude(risk_points="").count() > Step.objects.count() / 2
    assert Material.objects.filter(required=False).exists() and Material.objects.filter(copies__gt=1).exists()


def test_every_penalty_item_has_four_increasing_standards_one_per_level(seeded):
    penalties = PowerItem.objects.filter(category=Category.PENALTY)
    assert not DiscretionStandard.objects.exclude(item__in=penalties).exists()
    for item in penalties:
        standards = list(item.standards.all())
        assert sorted((standard.level for standard in standards), key=LEVEL_ORDER.index) == LEVEL_ORDER
        by_level = sorted(standards, key=lambda standard: LEVEL_ORDER.index(standard.level))
        for lighter, heavier in zip(by_level, by_level[1:], strict=False):
            assert lighter.amount_min <= lighter.amount_max < heavier.amount_min <= heavier.amount_max, item.code
        assert all(standard.circumstances for standard in standards)


def test_every_penalty_item_has_the_laws_range_and_its_standard_lies_within_it(seeded):
    for item in PowerItem.objects.filter(category=Category.PENALTY):
        assert item.legal_fine_min is not None and item.legal_fine_max is not None, item.code
        for standard in item.standards.all():
            standard.full_clean(validate_unique=False)


def test_the_department_editor_edits_only_their_department(seeded, client):
    editor = User.objects.get(username="sjj_editor")
    sjj = Department.objects.get(code="YG-SJJ")

    assert editor.department == sjj and editor.is_staff and editor.roles == {Role.CATALOGUE_ADMIN}
    assert can_edit_department(editor, sjj)
    for other in Department.objects.exclude(pk=sjj.pk):
        assert not can_edit_department(editor, other), other.code
    response = client.post("/accounts/login/", {"username": "sjj_editor", "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_the_catalogue_administrator_edits_every_department(seeded):
    catalogue = User.objects.get(username="catalogue")

    assert all(can_edit_department(catalogue, department) for department in Department.objects.all())


def test_seed_demo_prints_the_department_editor(capsys):
    call_command("seed_demo")

    assert "sjj_editor" in capsys.readouterr().out


def test_the_department_editor_cannot_take_another_departments_item_through_its_history(seeded, client):
    # The attack of issue 16: the history form saved another department's published item, moved
    # to the editor's own department and changed.
    sjj = Department.objects.get(code="YG-SJJ")
    other = PowerItem.objects.filter(status=Status.PUBLISHED).exclude(department=sjj).first()
    before = (other.department_id, other.name, other.status, other.history.count())
    row = other.history.earliest().history_id
    client.post("/accounts/login/", {"username": "sjj_editor", "password": DEMO_PASSWORD})
    kept = ["category", "legal_basis", "conditions", "legal_days", "promised_days", "extension_days", "cleanup_status"]
    fields = {name: getattr(other, name) for name in kept} | {"name": "被改名称", "department": sjj.pk}

    response = client.post(f"/admin/powers/poweritem/{other.pk}/history/{row}/", fields)
    drafted = client.post(f"/admin/powers/poweritem/{other.pk}/history/{row}/", {"_draft_from_history": "1"})

    assert (response.status_code, drafted.status_code) == (404, 404)
    other.refresh_from_db()
    assert (other.department_id, other.name, other.status, other.history.count()) == before
    assert PowerItem.objects.filter(code=other.code).count() == 1
