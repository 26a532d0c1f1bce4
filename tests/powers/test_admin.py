import pytest
from guardian.shortcuts import assign_perm

from powers import services
from powers.constants import Status
from powers.models import PowerItem
from tests.factories import DepartmentFactory, PowerItemFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/powers/poweritem/"


@pytest.fixture
def sjj():
    return DepartmentFactory(code="YG-SJJ", name="阳光区市场监督管理局")


@pytest.fixture
def mzj():
    return DepartmentFactory(code="YG-MZJ", name="阳光区民政局")


@pytest.fixture
def editor(client, sjj):
    user = UserFactory(role="catalogue_admin", is_staff=True)
    assign_perm("portal.edit_catalogue", user, sjj)
    client.force_login(user)
    return user


def _inline_management(**rows):
    data = {}
    for prefix in ("steps", "materials", "standards"):
        data |= {f"{prefix}-TOTAL_FORMS": rows.get(prefix, 0), f"{prefix}-INITIAL_FORMS": 0}
    return data


def _item_form(department, **fields):
    data = {
        "code": "",
        "name": "食品经营许可证核发",
        "category": "XK",
        "department": department.pk,
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        "legal_days": 20,
        "promised_days": 10,
        "extension_days": 10,
        "cleanup_status": "retained",
    }
    return data | _inline_management() | fields


def test_an_editor_lists_only_their_departments_items(client, editor, sjj, mzj):
    PowerItemFactory(department=sjj, name="本部门事项")
    PowerItemFactory(department=mzj, name="他部门事项")

    html = client.get(CHANGELIST).content.decode()

    assert "本部门事项" in html
    assert "他部门事项" not in html


def test_an_editor_cannot_open_another_departments_item(client, editor, mzj):
    other = PowerItemFactory(department=mzj)

    response = client.get(f"{CHANGELIST}{other.pk}/change/")

    assert response.status_code == 302  # the admin's "does not exist" redirect, not the page


def test_an_editor_adds_an_item_with_a_generated_code_and_steps(client, editor, sjj):
    data = _item_form(sjj) | _inline_management(steps=2)
    data |= {"steps-0-position": 1, "steps-0-name": "受理", "steps-0-role": "window_clerk", "steps-0-days_limit": 1}
    data |= {"steps-1-position": 2, "steps-1-name": "审查", "steps-1-role": "reviewer", "steps-1-days_limit": 5}

    response = client.post(f"{CHANGELIST}add/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    item = PowerItem.objects.get()
    assert (item.code, item.status, item.department) == ("XK-YG-SJJ-0001", Status.DRAFT, sjj)
    assert [step.name for step in item.steps.all()] == ["受理", "审查"]


def test_an_editor_cannot_add_an_item_to_another_department(client, editor, mzj):
    response = client.post(f"{CHANGELIST}add/", _item_form(mzj))

    assert response.status_code == 200
    assert "department" in response.context["adminform"].form.errors
    assert not PowerItem.objects.exists()


def test_promised_beyond_legal_is_refused_on_the_form(client, editor, sjj):
    response = client.post(f"{CHANGELIST}add/", _item_form(sjj, legal_days=5, promised_days=8))

    assert "promised_days" in response.context["adminform"].form.errors
    assert not PowerItem.objects.exists()


def test_a_published_item_opens_read_only_and_a_post_is_refused(client, editor, sjj):
    item = PowerItemFactory(department=sjj, published=True, name="原名称")

    page = client.get(f"{CHANGELIST}{item.pk}/change/")
    response = client.post(f"{CHANGELIST}{item.pk}/change/", _item_form(sjj, name="改名称"))

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.name == "原名称"


def test_a_draft_is_edited_in_place(client, editor, sjj):
    item = PowerItemFactory(department=sjj, name="原名称")

    response = client.post(f"{CHANGELIST}{item.pk}/change/", _item_form(sjj, name="新名称"))

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.name == "新名称"


def test_the_new_version_action_then_publish_supersedes_the_old_version(client, editor, sjj):
    old = PowerItemFactory(department=sjj, published=True)

    client.post(CHANGELIST, {"action": "power_item_new_version", "_selected_action": [old.pk]})
    draft = PowerItem.objects.get(code=old.code, version=2)
    client.post(CHANGELIST, {"action": "power_item_submit", "_selected_action": [draft.pk]})
    client.post(CHANGELIST, {"action": "power_item_publish", "_selected_action": [draft.pk]})

    old.refresh_from_db()
    draft.refresh_from_db()
    assert (old.status, draft.status) == (Status.SUPERSEDED, Status.PUBLISHED)


def test_a_refused_action_says_why_and_changes_nothing(client, editor, sjj):
    draft = PowerItemFactory(department=sjj)

    response = client.post(CHANGELIST, {"action": "power_item_publish", "_selected_action": [draft.pk]}, follow=True)

    assert any(message.level_tag == "error" for message in response.context["messages"])
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_a_published_item_cannot_be_deleted(client, editor, sjj):
    item = PowerItemFactory(department=sjj, published=True)

    assert client.post(f"{CHANGELIST}{item.pk}/delete/", {"post": "yes"}).status_code == 403
    assert PowerItem.objects.filter(pk=item.pk).exists()


def test_the_history_page_shows_who_changed_the_item(client, editor, sjj):
    item = PowerItemFactory(department=sjj, name="原名称")
    client.post(f"{CHANGELIST}{item.pk}/change/", _item_form(sjj, name="新名称"))

    html = client.get(f"{CHANGELIST}{item.pk}/history/").content.decode()

    assert editor.username in html or editor.name in html


# The history pages (django-simple-history): read only, scoped as the change page ----------------


def _history_form_url(item) -> str:
    return f"{CHANGELIST}{item.pk}/history/{item.history.earliest().history_id}/"


def test_an_editor_cannot_move_another_departments_item_to_their_own_through_its_history(client, editor, sjj, mzj):
    other = PowerItemFactory(department=mzj, published=True, name="他部门事项")

    response = client.post(_history_form_url(other), _item_form(sjj, name="改名称"))

    assert response.status_code in (403, 404)
    other.refresh_from_db()
    assert (other.department, other.name, other.status) == (mzj, "他部门事项", Status.PUBLISHED)
    assert client.get(f"{CHANGELIST}{other.pk}/history/").status_code == 404
    assert client.get(_history_form_url(other)).status_code == 404


def test_a_published_item_is_not_edited_in_place_through_its_history(client, editor, sjj):
    item = PowerItemFactory(department=sjj, published=True, name="原名称")

    page = client.get(_history_form_url(item))
    response = client.post(_history_form_url(item), _item_form(sjj, name="改名称"))

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert response.status_code == 403
    item.refresh_from_db()
    assert (item.name, item.status, item.history.count()) == ("原名称", Status.PUBLISHED, 1)


def test_a_draft_is_not_reverted_to_an_earlier_state_through_its_history(client, editor, sjj):
    # A revert would also write the row's status back: a draft sent back from review could
    # return to "in review" without a reviewer.
    item = PowerItemFactory(department=sjj, name="原名称")
    item.name = "新名称"
    item.save()

    response = client.post(_history_form_url(item), _item_form(sjj, name="原名称"))

    assert response.status_code == 403
    item.refresh_from_db()
    assert item.name == "新名称"


def _published_after_a_rename(editor, department) -> PowerItem:
    """An item drafted as 旧名称, renamed 原名称, then published: its earliest history row has the old name."""
    item = PowerItemFactory(department=department, name="旧名称")
    item.name = "原名称"
    item.save()
    services.power_item_submit(user=editor, item=item)
    return services.power_item_publish(user=editor, item=item)


def test_a_history_row_becomes_a_new_draft_and_the_published_version_stays(client, editor, sjj):
    item = _published_after_a_rename(editor, sjj)

    page = client.get(_history_form_url(item)).content.decode()
    response = client.post(_history_form_url(item), {"_draft_from_history": "1"})

    assert 'name="_draft_from_history"' in page and "据此记录起草新版本" in page
    draft = PowerItem.objects.get(code=item.code, version=2)
    assert response.status_code == 302 and response["Location"] == f"{CHANGELIST}{draft.pk}/change/"
    assert (draft.name, draft.status, draft.department) == ("旧名称", Status.DRAFT, sjj)
    item.refresh_from_db()
    assert (item.name, item.status) == ("原名称", Status.PUBLISHED)


def test_another_departments_history_row_drafts_nothing(client, editor, mzj):
    publisher = UserFactory(role="catalogue_admin")
    assign_perm("portal.edit_catalogue", publisher, mzj)
    other = _published_after_a_rename(publisher, mzj)

    response = client.post(_history_form_url(other), {"_draft_from_history": "1"})

    assert response.status_code == 404
    assert list(PowerItem.objects.filter(code=other.code).values_list("version", "name")) == [(1, "原名称")]


def test_a_version_in_review_takes_no_history_row(client, editor, sjj):
    item = _published_after_a_rename(editor, sjj)
    review = services.power_item_submit(user=editor, item=services.power_item_new_version(user=editor, item=item))

    response = client.post(_history_form_url(item), {"_draft_from_history": "1"}, follow=True)

    assert any(message.level_tag == "error" for message in response.context["messages"])
    review.refresh_from_db()
    assert (review.name, review.status) == ("原名称", Status.IN_REVIEW)
