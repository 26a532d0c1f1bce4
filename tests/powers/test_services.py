import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django_fsm import TransitionNotAllowed
from guardian.shortcuts import assign_perm

from powers import services
from powers.constants import Status
from powers.models import PowerItem
from tests.factories import DepartmentFactory, PowerItemFactory, UserFactory

pytestmark = pytest.mark.django_db


def _draft(department, **fields):
    defaults = {
        "name": "食品经营许可",
        "category": "XK",
        "legal_basis": "食品安全法",
        "legal_days": 20,
        "promised_days": 10,
    }
    return PowerItem(department=department, **(defaults | fields))


def test_a_new_item_gets_a_code_from_category_department_and_sequence(editor, department):
    first = services.power_item_create(user=editor, item=_draft(department))
    second = services.power_item_create(user=editor, item=_draft(department, name="食品生产许可"))
    penalty = services.power_item_create(user=editor, item=_draft(department, category="CF"))

    assert (first.code, second.code, penalty.code) == ("XK-YG-SJJ-0001", "XK-YG-SJJ-0002", "CF-YG-SJJ-0001")
    assert first.status == Status.DRAFT


def test_an_imported_code_is_kept_as_it_is(editor, department):
    code = "511A0138000000-511602000000-000-115113010833722043-1-00"

    assert services.power_item_create(user=editor, item=_draft(department, code=code)).code == code


def test_a_code_of_another_item_is_refused(editor, department):
    PowerItemFactory(code="XK-YG-SJJ-0001", department=department)

    with pytest.raises(ValidationError, match="XK-YG-SJJ-0001"):
        services.power_item_create(user=editor, item=_draft(department, code="XK-YG-SJJ-0001"))


def test_promised_days_beyond_the_legal_limit_are_refused(editor, department):
    with pytest.raises(ValidationError) as refused:
        services.power_item_create(user=editor, item=_draft(department, legal_days=10, promised_days=15))

    assert "promised_days" in refused.value.message_dict
    assert not PowerItem.objects.exists()


def test_the_database_refuses_promised_beyond_legal_too(department):
    with pytest.raises(IntegrityError):
        PowerItemFactory(department=department, legal_days=5, promised_days=6)


def test_an_editor_of_another_department_cannot_create_or_publish(editor):
    other = DepartmentFactory(code="YG-MZJ")
    item = PowerItemFactory(department=other, status="in_review")

    with pytest.raises(PermissionDenied):
        services.power_item_create(user=editor, item=_draft(other))
    with pytest.raises(PermissionDenied):
        services.power_item_publish(user=editor, item=item)


def test_the_global_permission_opens_every_department():
    user = UserFactory(role="catalogue_admin")
    user.user_permissions.add(Permission.objects.get(codename="edit_catalogue"))

    item = services.power_item_create(user=user, item=_draft(DepartmentFactory(code="YG-ZRJ")))

    assert item.pk


def test_draft_goes_through_review_to_publication(editor, department):
    item = services.power_item_create(user=editor, item=_draft(department))

    item = services.power_item_submit(user=editor, item=item)
    item = services.power_item_publish(user=editor, item=item)

    assert item.status == Status.PUBLISHED
    assert item.published_at is not None


def test_a_draft_cannot_be_published_without_review(editor, department):
    item = services.power_item_create(user=editor, item=_draft(department))

    with pytest.raises(TransitionNotAllowed):
        services.power_item_publish(user=editor, item=item)
    item.refresh_from_db()
    assert item.status == Status.DRAFT


def test_the_status_cannot_be_assigned_directly(department):
    item = PowerItemFactory(department=department)

    with pytest.raises(AttributeError):
        item.status = Status.PUBLISHED


def test_editing_a_published_item_makes_a_new_draft_with_its_steps_and_materials(editor, department):
    published = PowerItemFactory(department=department, published=True, steps=3)
    published.materials.create(position=1, name="营业执照", required=True, copies=1)

    draft = services.power_item_new_version(user=editor, item=published)

    assert (draft.code, draft.version, draft.status) == (published.code, 2, Status.DRAFT)
    assert [s.name for s in draft.steps.all()] == [s.name for s in published.steps.all()]
    assert draft.materials.get().name == "营业执照"
    published.refresh_from_db()
    assert published.status == Status.PUBLISHED
    assert published.steps.count() == 3


def test_asking_twice_for_a_new_version_returns_the_same_draft(editor, department):
    published = PowerItemFactory(department=department, published=True)

    first = services.power_item_new_version(user=editor, item=published)
    second = services.power_item_new_version(user=editor, item=published)

    assert first == second
    assert PowerItem.objects.filter(code=published.code).count() == 2


def test_publishing_a_new_version_supersedes_the_old_one_which_stays_unchanged(editor, department):
    old = PowerItemFactory(department=department, published=True, name="旧名称", steps=2)
    draft = services.power_item_new_version(user=editor, item=old)
    draft.name = "新名称"
    draft.save()

    services.power_item_submit(user=editor, item=draft)
    services.power_item_publish(user=editor, item=draft)

    old.refresh_from_db()
    assert (old.status, old.name, old.steps.count()) == (Status.SUPERSEDED, "旧名称", 2)
    assert PowerItem.objects.published().get(code=old.code).name == "新名称"


def test_the_database_keeps_one_published_version_per_code(department):
    PowerItemFactory(department=department, code="QR-1", published=True)

    with pytest.raises(IntegrityError):
        PowerItemFactory(department=department, code="QR-1", version=2, published=True)


def test_abolishing_takes_the_item_out_of_the_published_catalogue(editor, department):
    item = PowerItemFactory(department=department, published=True)

    services.power_item_abolish(user=editor, item=item)

    assert not PowerItem.objects.published().exists()


def test_a_user_without_publish_permission_cannot_publish(department):
    clerk = UserFactory(role="window_clerk")
    assign_perm("portal.edit_catalogue", clerk, department)
    item = PowerItemFactory(department=department, status="in_review")

    with pytest.raises(PermissionDenied):
        services.power_item_publish(user=clerk, item=item)


def test_every_change_is_kept_in_the_history_with_its_author(editor, department):
    item = services.power_item_create(user=editor, item=_draft(department))
    services.power_item_submit(user=editor, item=item)

    history = list(item.history.order_by("history_date").values_list("status", "history_user"))

    assert history == [(Status.DRAFT, editor.pk), (Status.IN_REVIEW, editor.pk)]
