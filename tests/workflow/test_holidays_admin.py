from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from supervision.constants import AlertState
from supervision.models import Alert
from supervision.services.sweep import sweep
from tests.factories import UserFactory
from workflow.models import Case, Holiday, HolidayKind, HolidaySource, HolidayYear, TrailEntry
from workflow.services import cases as services

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:workflow_holiday_changelist")
NO_DAYS = "The holiday schedule of"


def calendar_warnings(response) -> list[str]:
    return [str(message) for message in response.context["messages"] if str(message).startswith(NO_DAYS)]


@pytest.fixture(autouse=True)
def english(admin_client):
    """The English msgids, whatever the Chinese catalogue says of them later."""
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    yield
    # The last request's language stays active in this thread: the tests after these expect Chinese.
    translation.activate(settings.LANGUAGE_CODE)


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


# The calendar's changes recompute open cases (issue 22) -------------------------------------------

SCHEDULE_2027 = (
    "date_from,date_to,kind,name\n"
    "2027-01-01,2027-01-03,holiday,元旦\n"
    "2027-02-05,2027-02-13,holiday,春节\n"
    "2027-02-20,2027-02-20,workday,春节\n"
)
IMPORT = reverse("admin:workflow_holiday_import")


@pytest.fixture
def case_2027(calendar_2025_2026, file_case, staff, admin_client, admin_user):
    """Accepted Friday 29 January 2027 (ten working days promised): due Friday 12 February by the fallback."""
    with time_machine.travel(datetime(2027, 1, 29, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        admin_client.force_login(admin_user)  # the session opened before the journey has expired by then
        case = services.case_accept(case=file_case(), user=staff["window_clerk"], opinion="予以受理")
        yield Case.objects.get(pk=case.pk)


def _deadline(case) -> date:
    return timezone.localdate(Case.objects.get(pk=case.pk).deadline_at)


def _upload(text: str = SCHEDULE_2027):
    return SimpleUploadedFile("2027.csv", text.encode(), content_type="text/csv")


def test_the_source_field_is_labelled_as_a_source_not_a_video_source(admin_client, calendar_2025_2026):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    row = Holiday.objects.get(date=date(2026, 10, 1))
    html = admin_client.get(reverse("admin:workflow_holiday_change", args=[row.pk])).content.decode()
    changelist = admin_client.get(CHANGELIST).content.decode()
    assert "视频源" not in html and "视频源" not in changelist
    assert "来源" in html and "来源" in changelist


def test_a_holiday_added_in_the_admin_recomputes_the_open_case(admin_client, case_2027):
    assert _deadline(case_2027) == date(2027, 2, 12)
    response = admin_client.post(
        reverse("admin:workflow_holiday_add"), {"date": "2027-02-08", "kind": HolidayKind.HOLIDAY, "name": "春节"}
    )
    assert response.status_code == 302
    assert _deadline(case_2027) == date(2027, 2, 15)
    assert TrailEntry.objects.filter(case=case_2027, action="recompute_deadline").count() == 1


def test_a_holiday_deleted_in_the_admin_recomputes_the_open_case(admin_client, case_2027):
    admin_client.post(
        reverse("admin:workflow_holiday_add"), {"date": "2027-02-08", "kind": HolidayKind.HOLIDAY, "name": "春节"}
    )
    row = Holiday.objects.get(date=date(2027, 2, 8))
    response = admin_client.post(reverse("admin:workflow_holiday_delete", args=[row.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert _deadline(case_2027) == date(2027, 2, 12)
    assert TrailEntry.objects.filter(case=case_2027, action="recompute_deadline").count() == 2


def test_a_holiday_moved_to_another_day_recomputes_both_days(admin_client, case_2027):
    admin_client.post(
        reverse("admin:workflow_holiday_add"), {"date": "2027-02-08", "kind": HolidayKind.HOLIDAY, "name": "春节"}
    )
    row = Holiday.objects.get(date=date(2027, 2, 8))
    admin_client.post(
        reverse("admin:workflow_holiday_change", args=[row.pk]),
        {"date": "2027-03-08", "kind": HolidayKind.HOLIDAY, "name": "挪走"},
    )
    assert _deadline(case_2027) == date(2027, 2, 12)


def test_the_admin_import_dry_run_reports_and_writes_nothing(admin_client, case_2027):
    count = Holiday.objects.count()
    response = admin_client.post(IMPORT, {"file": _upload(), "dry_run": "on", "complete": "on"})
    assert response.status_code == 200
    report = response.context["report"]
    assert (len(report.added), report.completed, [moved.number for moved in report.moved]) == (
        13,
        True,
        [case_2027.number],
    )
    assert 'data-testid="dry-run-report"' in response.content.decode()
    assert Holiday.objects.count() == count and _deadline(case_2027) == date(2027, 2, 12)
    assert not HolidayYear.objects.filter(year=2027).exists()


def test_the_admin_import_enters_and_completes_the_year(admin_client, case_2027):
    response = admin_client.post(IMPORT, {"file": _upload(), "complete": "on"})
    assert response.status_code == 302
    # Mon 1 – Thu 4 Feb (4); 5–13 Feb off; 15–19 Feb (9); Saturday 20 Feb, worked (10).
    assert _deadline(case_2027) == date(2027, 2, 20)
    year = HolidayYear.objects.get(year=2027)
    assert year.complete and year.completed_by.is_superuser


def test_a_bad_file_in_the_admin_import_is_an_error_on_the_form_not_a_500(admin_client, case_2027):
    count = Holiday.objects.count()
    response = admin_client.post(IMPORT, {"file": _upload("2027-02-05,2027-02-13,vacation,春节\n")})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert Holiday.objects.count() == count


def test_staff_without_permission_cannot_import(client, db):
    client.force_login(UserFactory(is_staff=True))
    assert client.post(IMPORT, {"file": _upload()}).status_code == 403


def test_marking_2027_complete_in_the_admin_closes_the_yellow_card(admin_client, case_2027):
    sweep(at=timezone.now(), codes=["K1"])
    assert Alert.objects.get(rule__code="K1").state == AlertState.OPEN
    admin_client.post(IMPORT, {"file": _upload()})  # entered, not yet complete
    sweep(at=timezone.now(), codes=["K1"])
    assert Alert.objects.get(rule__code="K1").state == AlertState.OPEN

    year = HolidayYear.objects.get_or_create(year=2027)[0]
    response = admin_client.post(
        reverse("admin:workflow_holidayyear_changelist"), {"action": "mark_complete", "_selected_action": [year.pk]}
    )
    assert response.status_code == 302
    assert HolidayYear.objects.get(year=2027).complete
    sweep(at=timezone.now(), codes=["K1"])
    assert Alert.objects.get(rule__code="K1").state == AlertState.CLOSED


def test_a_year_added_complete_in_the_admin_recomputes(admin_client, case_2027):
    # Only the Spring Festival entered; then the administrator declares the year complete: the
    # fallback New Year, Labour Day and National Day stop counting (none falls in this case's span).
    admin_client.post(
        reverse("admin:workflow_holiday_add"), {"date": "2027-02-08", "kind": HolidayKind.HOLIDAY, "name": "春节"}
    )
    response = admin_client.post(reverse("admin:workflow_holidayyear_add"), {"year": "2027", "complete": "on"})
    assert response.status_code == 302
    assert HolidayYear.objects.get(year=2027).complete
    assert _deadline(case_2027) == date(2027, 2, 15)


def test_a_year_outside_the_calendar_is_refused_in_the_admin(admin_client, db):
    response = admin_client.post(reverse("admin:workflow_holidayyear_add"), {"year": "1900", "complete": "on"})
    assert response.status_code == 200 and response.context["adminform"].form.errors["year"]
    assert not HolidayYear.objects.filter(year=1900).exists()
