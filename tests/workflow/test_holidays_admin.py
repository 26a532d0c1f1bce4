from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from tests.factories import UserFactory
from workflow.models import Holiday, HolidayKind, HolidaySource

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:workflow_holiday_changelist")
NO_DAYS = "The working-day calendar holds no days for"


def calendar_warnings(response) -> list[str]:
    return [str(message) for message in response.context["messages"] if str(message).startswith(NO_DAYS)]


@pytest.fixture(autouse=True)
def english(admin_client):
    """The English msgids, whatever the Chinese catalogue says of them later."""
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def mid_2026():
    with time_machine.travel(datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


def test_changelist_warns_of_next_year_without_rows(admin_client, calendar_2025_2026, mid_2026):
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    assert calendar_warnings(response) == [
        "The working-day calendar holds no days for 2027: deadlines in 2027 count Monday to Friday and New Year, "
        "Labour Day and National Day only. Enter the State Council's schedule."
    ]


def test_changelist_does_not_warn_when_both_years_have_rows(admin_client, calendar_2025_2026):
    with time_machine.travel(datetime(2025, 6, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        response = admin_client.get(CHANGELIST)
    assert calendar_warnings(response) == []


def test_a_single_manual_row_makes_a_year_held(admin_client, calendar_2025_2026, mid_2026):
    Holiday.objects.create(date=date(2027, 1, 1), kind=HolidayKind.HOLIDAY, name="元旦")
    response = admin_client.get(CHANGELIST)
    assert calendar_warnings(response) == []


def test_changelist_filters_by_year(admin_client, calendar_2025_2026):
    response = admin_client.get(CHANGELIST, {"year": "2026", "kind": "workday"})
    assert {row.date for row in response.context["cl"].result_list} == {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    }


def test_a_row_edited_in_the_admin_becomes_manual(admin_client, calendar_2025_2026):
    row = Holiday.objects.get(date=date(2026, 10, 10))
    response = admin_client.post(
        reverse("admin:workflow_holiday_change", args=[row.pk]),
        {"date": "2026-10-10", "kind": HolidayKind.HOLIDAY, "name": "本地调整"},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.kind, row.source) == (HolidayKind.HOLIDAY, HolidaySource.MANUAL)


def test_staff_without_permission_cannot_open_the_calendar(client, db):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(CHANGELIST).status_code == 403
