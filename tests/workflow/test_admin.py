import pytest
from django.urls import reverse

from portal import demo as portal_demo
from portal.models import User
from powers import demo as powers_demo
from workflow import demo as workflow_demo
from workflow import demo_penalties
from workflow.models import Case, Notification, OutboundMessage, PenaltyCase, TrailEntry
from workflow.services.notifications import notification_send

pytestmark = pytest.mark.django_db

MODELS = [Case, PenaltyCase, TrailEntry, Notification, OutboundMessage]


@pytest.fixture
def seeded():
    """The demo cases, with their notifications sent by the development backend (no worker in tests)."""
    portal_demo.seed()
    powers_demo.seed()
    workflow_demo.seed()
    demo_penalties.seed()
    for notification in Notification.objects.all():
        notification_send(notification_id=notification.pk)


@pytest.fixture
def superuser(client, seeded):
    user = User.objects.get(username="admin")
    assert user.is_superuser
    client.force_login(user)
    return user


def url(model, view: str, *args) -> str:
    return reverse(f"admin:workflow_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_changelist_lists_every_row_and_offers_no_add_or_delete(client, superuser, model):
    response = client.get(url(model, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == model.objects.count() > 0
    content = response.content.decode()
    assert url(model, "add") not in content
    assert "delete_selected" not in content


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_a_row_is_shown_but_cannot_be_changed_added_or_deleted(client, superuser, model):
    row = model.objects.order_by("pk").first()
    change = url(model, "change", row.pk)

    response = client.get(change)
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()

    assert client.post(change, {}).status_code == 403
    assert client.get(url(model, "add")).status_code == 403
    assert client.post(url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


def test_the_case_page_shows_its_trail(client, superuser):
    case = Case.objects.get(state="concluded", refusal_reason="", item__is_immediate=False)

    content = client.get(url(Case, "change", case.pk)).content.decode()

    for entry in case.trail.all():
        assert entry.opinion in content
    assert "TOTAL_FORMS" in content and 'name="trail-0-opinion"' not in content  # inline, read-only


def test_cases_are_searched_and_filtered(client, superuser):
    reviewing = Case.objects.filter(state="reviewing")
    by_state = client.get(url(Case, "changelist"), {"state__exact": "reviewing"})
    assert set(by_state.context["cl"].result_list) == set(reviewing)

    case = reviewing.first()
    for text in (case.number, "张三", "13800000001"):
        found = client.get(url(Case, "changelist"), {"q": text}).context["cl"].result_list
        assert case in found, text


def test_the_development_backend_messages_are_listed(client, superuser):
    assert set(OutboundMessage.objects.values_list("channel", flat=True)) == {"sms", "email"}

    response = client.get(url(OutboundMessage, "changelist"), {"channel__exact": "sms"})

    assert {message.to for message in response.context["cl"].result_list} == {"13800000001"}


def test_only_superusers_and_staff_with_view_permission_see_it(client, seeded):
    client.force_login(User.objects.get(username="clerk"))

    assert client.get(url(Case, "changelist")).status_code in (302, 403)
