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
NO_DAYS = "The holiday schedule of"


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


def test_changelist_warns_of_next_year_not_complete(admin_client, calendar_2025_2026, mid_2026):
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    assert calendar_warnings(response) == [
        "The holiday schedule of 2027 is not marked complete: its days without a row count Monday to Friday less "
        "New Year, Labour Day and National Day, and deadlines over it are shown as provisional. Enter (or import) "
        "the State Council's schedule and mark the year complete."
    ]


def test_changelist_does_not_warn_when_both_years_have_rows(admin_client, calendar_2025_2026):
    with time_machine.travel(datetime(2025, 6, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        response = admin_client.get(CHANGELIST)
    assert calendar_warnings(response) == []


def test_a_single_manual_row_does_not_make_a_year_complete(admin_client, calendar_2025_2026, mid_2026):
    Holiday.objects.create(date=date(2027, 2, 6), kind=HolidayKind.HOLIDAY, name="春节")
    response = admin_client.get(CHANGELIST)
    assert len(calendar_warnings(response)) == 1


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
