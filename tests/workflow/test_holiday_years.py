"""A year the calendar does not know in full (issue 22, "The calendar").

chinese-calendar holds 2004–2026. A case accepted on Friday 29 January 2027 for a five-day promise
falls due, by the fallback (Monday to Friday, New Year, Labour Day, National Day), on Friday
5 February 2027: Spring Festival's eve, a day off. Until 2027 is entered and marked complete the
deadline says it is provisional wherever it is shown, and supervision shows a yellow card; entering
the year recomputes the open cases, writes their trails, tells their applicants and the external copy.
"""

from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from supervision.constants import AlertState, Level, Subject
from supervision.models import Alert
from supervision.services.sweep import sweep
from tests.factories import PowerItemFactory
from workflow.calendar import WorkingCalendar, years_not_covered
from workflow.constants import NotificationKind
from workflow.exchange.models import OutboundPacket
from workflow.exchange.packets import Kind
from workflow.models import Case, Holiday, HolidayKind, HolidayYear, Notification, TrailEntry
from workflow.services import cases as services
from workflow.services.holiday_import import holidays_import
from workflow.services.holidays import holiday_save, holiday_years_mark

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
PROVISIONAL = "暂定：2027 年节假日安排尚未录入"

# An example in the format of docs/holidays.md; its Spring Festival is the one the tests need (the
# eve, Friday 5 February, to Saturday 13 February off, Saturday 20 February worked).
SCHEDULE_2027 = """\
# 2027 年节假日安排（示例）
date_from,date_to,kind,name
2027-01-01,2027-01-03,holiday,元旦
2027-02-05,2027-02-13,holiday,春节
2027-02-20,2027-02-20,workday,春节
2027-10-01,2027-10-07,holiday,国庆节
"""


@pytest.fixture
def accepted_2027():
    with time_machine.travel(datetime(2027, 1, 29, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def item(department):
    """Five working days promised (the workflow tests' usual item, overridden here: file_case files for it)."""
    item = PowerItemFactory(published=True, department=department, promised_days=5, legal_days=20)
    item.steps.create(position=1, name="受理", role="window_clerk", days_limit=1)
    item.steps.create(position=2, name="审查", role="reviewer", days_limit=3)
    item.materials.create(position=1, name="申请书", required=True)
    return item


@pytest.fixture
def case_2027(calendar_2025_2026, file_case, staff, accepted_2027):
    case = file_case()
    services.case_accept(case=case, user=staff["window_clerk"], opinion="材料齐全，予以受理")
    return Case.objects.get(pk=case.pk)


def schedule_file(tmp_path, text: str = SCHEDULE_2027) -> str:
    path = tmp_path / "2027.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def local_day(moment) -> date:
    return timezone.localdate(moment)


def calendar_alerts(state=None):
    alerts = Alert.objects.filter(rule__code="K1", subject=Subject.CALENDAR)
    return alerts.filter(state=state) if state else alerts


# The fault, shown --------------------------------------------------------------------------------


def test_a_2027_deadline_lands_on_spring_festival_eve_and_says_it_is_provisional(case_2027, citizen):
    assert local_day(case_2027.deadline_at) == date(2027, 2, 5)
    note = Notification.objects.get(case=case_2027, kind=NotificationKind.ACCEPTED)
    assert "2027-02-05" in note.text and PROVISIONAL in note.text


def test_the_workbench_list_and_case_page_mark_the_deadline_provisional(client, case_2027, staff):
    client.force_login(staff["window_clerk"])
    inbox = client.get("/workbench/").content.decode()
    page = client.get(reverse("workflow:workbench_case", kwargs={"number": case_2027.number})).content.decode()

    assert PROVISIONAL in inbox and 'data-testid="provisional"' in inbox
    assert PROVISIONAL in page


def test_the_citizens_pages_and_tracking_mark_the_deadline_provisional(client, case_2027, citizen):
    client.force_login(citizen)
    assert PROVISIONAL in client.get(reverse("workflow:my_cases")).content.decode()
    assert PROVISIONAL in client.get(reverse("workflow:my_case", kwargs={"number": case_2027.number})).content.decode()
    client.logout()
    tracked = client.post(reverse("workflow:track"), {"number": case_2027.number, "code": case_2027.query_code})
    assert PROVISIONAL in tracked.content.decode()


def test_a_2026_deadline_is_not_provisional(client, calendar_2025_2026, file_case, staff, citizen):
    with time_machine.travel(datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI), tick=False):
        case = services.case_accept(case=file_case(), user=staff["window_clerk"], opinion="予以受理")
        client.force_login(citizen)
        assert "暂定" not in client.get(reverse("workflow:my_case", kwargs={"number": case.number})).content.decode()
    assert "暂定" not in Notification.objects.get(case=case, kind=NotificationKind.ACCEPTED).text


def test_the_workbench_list_asks_for_the_complete_years_once(client, case_2027, file_case, staff):
    for _ in range(5):
        services.case_accept(case=file_case(), user=staff["window_clerk"], opinion="予以受理")
    client.force_login(staff["window_clerk"])

    with CaptureQueriesContext(connection) as queries:
        html = client.get("/workbench/").content.decode()
    assert html.count('data-testid="provisional"') == 6
    assert sum("workflow_holidayyear" in query["sql"] for query in queries.captured_queries) == 1


def test_the_yellow_card_is_raised_for_2027(case_2027):
    sweep(at=timezone.now(), codes=["K1"])
    alert = calendar_alerts().get()
    assert (alert.level, alert.subject_id, alert.state) == (Level.YELLOW, 2027, AlertState.OPEN)
    assert "2027" in alert.detail and "1 件" in alert.detail


def test_the_yellow_card_warns_of_next_year_within_the_threshold(calendar_2025_2026):
    sweep(at=datetime(2026, 11, 15, 9, 0, tzinfo=SHANGHAI), codes=["K1"])
    assert not calendar_alerts().exists()  # 47 days ahead: beyond the 30 of the rule
    sweep(at=datetime(2026, 12, 5, 9, 0, tzinfo=SHANGHAI), codes=["K1"])
    assert calendar_alerts().get().subject_id == 2027


# Entering 2027 -----------------------------------------------------------------------------------


def test_importing_and_completing_2027_recomputes_the_open_case(case_2027, tmp_path, citizen):
    sweep(at=timezone.now(), codes=["K1"])
    trail_before = TrailEntry.objects.filter(case=case_2027).count()

    out = StringIO()
    call_command("import_holidays", schedule_file(tmp_path), "--complete", stdout=out)

    case = Case.objects.get(pk=case_2027.pk)
    # Mon 1 – Thu 4 Feb (4); 5–13 Feb off; Mon 15 Feb (5).
    assert local_day(case.deadline_at) == date(2027, 2, 15)
    assert HolidayYear.objects.get(year=2027).complete
    entry = TrailEntry.objects.filter(case=case).order_by("-seq").first()
    assert TrailEntry.objects.filter(case=case).count() == trail_before + 1
    assert (entry.action, entry.actor_id, entry.actor_name) == ("recompute_deadline", None, "系统")
    assert "2027-02-05" in entry.opinion and "2027-02-15" in entry.opinion
    notice = Notification.objects.get(case=case, kind=NotificationKind.DEADLINE_MOVED)
    assert notice.recipient == citizen and "2027-02-15" in notice.text and "暂定" not in notice.text
    assert f"{case.number}: 2027-02-05 → 2027-02-15" in out.getvalue()

    sweep(at=timezone.now(), codes=["K1"])
    assert calendar_alerts().get().state == AlertState.CLOSED


def test_after_completion_the_pages_no_longer_say_provisional(client, case_2027, tmp_path, citizen):
    call_command("import_holidays", schedule_file(tmp_path), "--complete", stdout=StringIO())
    client.force_login(citizen)
    html = client.get(reverse("workflow:my_case", kwargs={"number": case_2027.number})).content.decode()
    # The notice of acceptance stays as it was sent; the deadline shown is certain now.
    assert 'data-testid="provisional"' not in html and "2027-02-15" in html


def test_the_changed_deadline_reaches_the_external_copy(case_2027, tmp_path, zone):
    zone("internal")
    OutboundPacket.objects.all().delete()
    call_command("import_holidays", schedule_file(tmp_path), "--complete", stdout=StringIO())

    packet = OutboundPacket.objects.get(kind=Kind.CASE_STATUS, stream=case_2027.number)
    payload = packet.envelope["payload"]
    assert local_day(datetime.fromisoformat(payload["case"]["deadline_at"])) == date(2027, 2, 15)
    assert [entry["action"] for entry in payload["timeline"]] == ["recompute_deadline"]
    assert [note["kind"] for note in payload["notifications"]] == ["deadline_moved"]


def test_the_applicant_is_texted_after_commit(case_2027, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        holidays_import(content=SCHEDULE_2027.encode(), complete=True)
    assert callbacks  # the SMS and e-mail task is queued only once the change is committed


def test_importing_without_completing_keeps_the_year_provisional(case_2027, tmp_path):
    call_command("import_holidays", schedule_file(tmp_path), stdout=StringIO())
    case = Case.objects.get(pk=case_2027.pk)
    assert local_day(case.deadline_at) == date(2027, 2, 15)  # the entered days count already
    assert not HolidayYear.objects.filter(year=2027, complete=True).exists()
    assert PROVISIONAL in Notification.objects.get(case=case, kind=NotificationKind.DEADLINE_MOVED).text


def test_a_dry_run_reports_and_changes_nothing(case_2027, tmp_path):
    counts = (Holiday.objects.count(), TrailEntry.objects.count(), Notification.objects.count())
    out = StringIO()
    call_command("import_holidays", schedule_file(tmp_path), "--dry-run", "--complete", stdout=out)

    report = out.getvalue()
    assert "试运行" in report and "新增 20 天" in report
    assert f"{case_2027.number}: 2027-02-05 → 2027-02-15" in report
    assert (Holiday.objects.count(), TrailEntry.objects.count(), Notification.objects.count()) == counts
    assert local_day(Case.objects.get(pk=case_2027.pk).deadline_at) == date(2027, 2, 5)
    assert not HolidayYear.objects.filter(year=2027).exists()


def test_closed_and_untouched_cases_are_left_alone(case_2027, file_case, staff, tmp_path):
    concluded = file_case()
    services.case_not_accept(case=concluded, user=staff["window_clerk"], reason="不符合条件", legal_basis="某条例")
    trail = TrailEntry.objects.filter(case=concluded).count()

    moved = holidays_import(content=SCHEDULE_2027.encode(), complete=True).moved

    assert [change.number for change in moved] == [case_2027.number]
    assert TrailEntry.objects.filter(case=concluded).count() == trail


def test_reimporting_the_same_schedule_moves_nothing(case_2027):
    holidays_import(content=SCHEDULE_2027.encode(), complete=True)
    report = holidays_import(content=SCHEDULE_2027.encode(), complete=True)
    assert (report.added, report.removed, report.changed, report.moved) == ([], [], [], [])


def test_the_import_replaces_the_years_rows(case_2027):
    holiday_save(holiday=Holiday(date=date(2027, 3, 1), kind=HolidayKind.HOLIDAY, name="录错的日子"))
    report = holidays_import(content=SCHEDULE_2027.encode())
    assert report.removed == [date(2027, 3, 1)]
    assert not Holiday.objects.filter(date=date(2027, 3, 1)).exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("2027-02-30,2027-02-30,holiday,春节\n", "第 1 行"),
        ("2027-02-05,2027-02-13,vacation,春节\n", "holiday（放假）"),
        ("2027-02-13,2027-02-05,holiday,春节\n", "颠倒"),
        ("2027-01-01,2027-12-31,holiday,全年\n", "过长"),
        ("2027-02-05,2027-02-13,holiday,春节\n2028-01-01,2028-01-01,holiday,元旦\n", "多个年份"),
        ("2027-02-05,2027-02-06,holiday,春节\n2027-02-06,2027-02-06,workday,春节\n", "既被列为放假"),
        ("2027-02-05,2027-02-13\n", "第 1 行"),
        ("# 只有注释\n", "没有任何日期"),
        ("2027-02-05,2027-02-13,holiday,春\x00节\n", "不是文本文件"),
    ],
)
def test_a_bad_schedule_is_refused_with_its_reason_and_changes_nothing(case_2027, tmp_path, content, message):
    counts = (Holiday.objects.count(), TrailEntry.objects.count())
    with pytest.raises(CommandError, match=message):
        call_command("import_holidays", schedule_file(tmp_path, content), "--complete", stdout=StringIO())
    assert (Holiday.objects.count(), TrailEntry.objects.count()) == counts
    assert not HolidayYear.objects.filter(year=2027).exists()


def test_a_schedule_not_in_utf8_is_refused(case_2027, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("2027-02-05,2027-02-13,holiday,春节\n".encode("gb18030"))
    with pytest.raises(CommandError, match="UTF-8"):
        call_command("import_holidays", str(path), stdout=StringIO())


# A year entered in part ----------------------------------------------------------------------------


def test_a_partial_year_keeps_the_fallback_and_the_warning(calendar_2025_2026):
    holiday_save(holiday=Holiday(date=date(2027, 2, 8), kind=HolidayKind.HOLIDAY, name="春节"))
    calendar = WorkingCalendar()

    assert not calendar.is_workday(date(2027, 2, 8))  # the row entered
    assert not calendar.is_workday(date(2027, 1, 1))  # New Year (Friday), still off by the fallback
    assert calendar.is_workday(date(2027, 5, 3))  # an ordinary Monday
    assert not calendar.is_workday(date(2027, 10, 1))  # National Day (Friday)
    assert calendar.provisional_years(date(2027, 1, 29), date(2027, 2, 15)) == [2027]


def test_labour_day_stays_off_in_a_partial_year(calendar_2025_2026):
    holiday_save(holiday=Holiday(date=date(2029, 2, 12), kind=HolidayKind.HOLIDAY, name="春节"))
    calendar = WorkingCalendar()
    assert not calendar.is_workday(date(2029, 5, 1))  # Tuesday
    assert not calendar.is_workday(date(2029, 5, 2))  # Wednesday
    assert calendar.is_workday(date(2029, 5, 3))


def test_a_row_overrides_the_fallback_for_its_own_date_only(calendar_2025_2026):
    holiday_save(holiday=Holiday(date=date(2027, 10, 1), kind=HolidayKind.WORKDAY, name="本地上班"))
    calendar = WorkingCalendar()
    assert calendar.is_workday(date(2027, 10, 1))
    assert not calendar.is_workday(date(2027, 1, 1))  # the fallback still holds elsewhere in the year


def test_marking_a_year_not_complete_brings_the_fallback_back(calendar_2025_2026):
    holiday_years_mark(years=[2026], complete=False, user=None)
    calendar = WorkingCalendar()
    assert calendar.provisional_years(date(2026, 3, 1), date(2026, 3, 5)) == [2026]
    assert not calendar.is_workday(date(2026, 10, 1))  # a row: still a holiday


def test_years_not_covered_names_each_year_of_the_span_not_complete():
    assert years_not_covered(date(2026, 12, 20), date(2027, 1, 8), {2026}) == [2027]
    assert years_not_covered(date(2027, 1, 8), date(2026, 12, 20), {2026, 2027}) == []
    assert years_not_covered(date(2025, 6, 1), date(2027, 6, 1), {2025, 2027}) == [2026]
