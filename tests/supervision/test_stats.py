"""Case statistics: counts by department, item and state, on-time rates, working days used against
promised, the filters, the CSV and XLSX exports, and who may read them."""

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine

from powers.models import PowerItem
from supervision.selectors.figures import concluded_between, working_days_used
from supervision.selectors.stats import EXPORT_HEADER, case_statistics
from tests.factories import PowerItemFactory, StaffFactory, UserFactory
from workflow.calendar import WorkingCalendar
from workflow.models import Case
from workflow.services import cases as services

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
STATS = "/supervision/stats/"


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _internal(zone):
    zone("internal")


@pytest.fixture
def inspector(db):
    return UserFactory(role="inspector", username="inspector", name="纪检员")


@pytest.fixture
def immediate_item(other_department):
    item = PowerItemFactory(
        published=True, department=other_department, promised_days=1, is_immediate=True, name="个体户登记"
    )
    item.steps.create(position=1, name="受理", role="window_clerk", days_limit=1)
    return item


def conclude(case, staff, *, accepted: datetime, concluded: datetime):
    with time_machine.travel(accepted):
        services.case_accept(case=case, user=staff["window_clerk"], opinion="材料齐全，予以受理")
    with time_machine.travel(concluded):
        services.case_advance(case=case, user=staff["reviewer"], opinion="符合条件")
        services.case_approve(case=case, user=staff["approver"], opinion="准予许可")
        services.case_conclude(case=case, user=staff["window_clerk"], opinion="证照已送达")


@pytest.fixture
def cases(calendar_2025_2026, item, file_case, staff, other_department, immediate_item):
    """阳光区市场监督管理局 (ten promised working days):
      quick — accepted 1 Sep, concluded 3 Sep: 2 working days, on time;
      slow — accepted 3 Aug, concluded 2 Sep: 22 working days (due 17 Aug), late;
      waiting — filed 5 Sep, not accepted yet.
    阳光区住房和城乡建设局 (an immediate item, one promised day):
      on_the_spot — accepted and concluded on 8 Sep: 0 working days, on time.
    """
    with time_machine.travel(at("2026-08-31")):
        quick = file_case()
    conclude(quick, staff, accepted=at("2026-09-01"), concluded=at("2026-09-03"))
    with time_machine.travel(at("2026-07-31")):
        slow = file_case()
    conclude(slow, staff, accepted=at("2026-08-03"), concluded=at("2026-09-02"))
    with time_machine.travel(at("2026-09-05")):
        waiting = file_case()
    clerk = StaffFactory(role="window_clerk", department=other_department, username="zjj-window_clerk")
    with time_machine.travel(at("2026-09-08"), tick=False):
        on_the_spot = file_case(item=immediate_item, uploads=[])
        services.case_accept(case=on_the_spot, user=clerk, opinion="即办件，当场受理")
        services.case_approve(case=on_the_spot, user=clerk, opinion="当场办结")
        services.case_conclude(case=on_the_spot, user=clerk, opinion="当场送达")
    return {"quick": quick, "slow": slow, "waiting": waiting, "on_the_spot": on_the_spot}


def _figures(figures) -> tuple:
    return (
        figures.received,
        figures.concluded,
        figures.on_time,
        figures.on_time_rate,
        figures.average_days_used,
        figures.average_days_promised,
    )


# The figures ----------------------------------------------------------------------------------


def test_cases_by_department_with_on_time_rate_and_working_days(cases):
    stats = case_statistics(scope=None)

    assert {row.code: _figures(row) for row in stats.departments} == {
        "YG-SJJ": (3, 2, 1, Decimal("50.0"), Decimal("12.0"), Decimal("10.0")),
        "YG-ZJJ": (1, 1, 1, Decimal("100.0"), Decimal("0.0"), Decimal("1.0")),
    }
    assert _figures(stats.total) == (4, 3, 2, Decimal("66.7"), Decimal("8.0"), Decimal("7.0"))


def test_cases_by_item_and_by_state(cases, item, immediate_item):
    stats = case_statistics(scope=None)

    assert [(row.code, row.received, row.concluded, row.on_time) for row in stats.items] == [
        (item.code, 3, 2, 1),
        (immediate_item.code, 1, 1, 1),
    ]
    counts = {row.code: row.received for row in stats.states}
    assert counts["concluded"] == 3 and counts["submitted"] == 1
    assert sum(counts.values()) == 4


def test_an_item_counts_across_its_versions(cases, item):
    version_two = PowerItem.objects.create(
        **{field: getattr(item, field) for field in ("code", "name", "category", "department", "legal_basis")},
        version=2,
        legal_days=20,
        promised_days=10,
    )
    Case.objects.filter(pk=cases["waiting"].pk).update(item=version_two)

    stats = case_statistics(scope=None)

    assert [(row.code, row.received) for row in stats.items][0] == (item.code, 3)


def test_each_figure_counts_in_the_period_of_its_event(cases):
    september = case_statistics(scope=None, date_from=date(2026, 9, 1), date_to=date(2026, 9, 30))
    august = case_statistics(scope=None, date_from=date(2026, 8, 1), date_to=date(2026, 8, 31))

    # Filed in September: the waiting case (the quick one was filed on 31 August); concluded in
    # September: the quick and the slow one, whatever month they were accepted in.
    assert {row.code: _figures(row)[:3] for row in september.departments} == {"YG-SJJ": (1, 2, 1), "YG-ZJJ": (1, 1, 1)}
    # August: the quick case filed; the slow one, due 17 August, still open at the month's end.
    (sjj,) = august.departments
    assert (sjj.code, *_figures(sjj), sjj.open_overdue) == ("YG-SJJ", 1, 0, 0, None, None, None, 1)


def test_the_working_days_skip_the_national_day_holidays(calendar_2025_2026, file_case, staff):
    """Accepted 29 September, concluded 12 October 2026: 30 Sep, 8, 9, 10 (an adjusted Saturday) and
    12 October are working days; 1–7 October are off."""
    case = file_case()
    conclude(case, staff, accepted=at("2026-09-29"), concluded=at("2026-10-12"))

    assert _figures(case_statistics(scope=None).total)[4] == Decimal("5.0")


def test_the_summed_working_days_match_counting_case_by_case(cases, file_case, staff):
    holiday = file_case()
    conclude(holiday, staff, accepted=at("2026-09-29"), concluded=at("2026-10-12"))
    calendar = WorkingCalendar()
    expected: dict[int, int] = {}
    for case in Case.objects.filter(state="concluded"):
        days = calendar.working_days_between(
            case.accepted_at.astimezone(SHANGHAI).date(), case.concluded_at.astimezone(SHANGHAI).date()
        )
        expected[case.department_id] = expected.get(case.department_id, 0) + days

    assert working_days_used(Case.objects.filter(concluded_between(None, None))) == expected


def test_nothing_concluded_gives_no_rate_rather_than_zero(calendar_2025_2026, file_case):
    file_case()

    stats = case_statistics(scope=None)

    assert _figures(stats.total) == (1, 0, 0, None, None, None)


# The page -------------------------------------------------------------------------------------


def _department_rows(response) -> dict[str, str]:
    html = response.content.decode()
    return dict(
        re.findall(r'data-testid="department-row" data-code="([^"]+)">.*?data-figure="received">(\d+)<', html, re.S)
    )


def test_an_inspector_sees_every_department(client, inspector, cases):
    client.force_login(inspector)

    response = client.get(STATS)

    assert response.status_code == 200
    assert _department_rows(response) == {"YG-SJJ": "3", "YG-ZJJ": "1"}
    html = response.content.decode()
    assert 'data-summary="on_time_rate">66.7%' in html
    assert 'data-summary="days">8.0 / 7.0' in html
    assert 'id="stats-chart-data"' in html


def test_an_inspector_filters_by_department_and_dates(client, inspector, cases):
    client.force_login(inspector)

    response = client.get(STATS, {"department": "YG-SJJ", "date_from": "2026-09-01", "date_to": "2026-09-30"})

    assert _department_rows(response) == {"YG-SJJ": "1"}
    assert 'href="/supervision/stats/export.csv?date_from=2026-09-01&amp;date_to=2026-09-30&amp;department=YG-SJJ"' in (
        response.content.decode()
    )


def test_a_department_head_sees_their_department_only(client, staff, cases):
    client.force_login(staff["dept_head"])

    response = client.get(STATS)

    assert response.status_code == 200
    assert _department_rows(response) == {"YG-SJJ": "3"}
    assert [department.code for department in response.context["form"].fields["department"].queryset] == ["YG-SJJ"]


def test_a_department_head_may_not_ask_for_another_department(client, staff, cases):
    client.force_login(staff["dept_head"])

    assert client.get(STATS, {"department": "YG-ZJJ"}).status_code == 400
    assert client.get("/supervision/stats/export.csv", {"department": "YG-ZJJ"}).status_code == 400


@pytest.mark.parametrize(
    "params", [{"date_from": "2026-09-30", "date_to": "2026-09-01"}, {"date_from": "not a day"}, {"department": "NONE"}]
)
def test_bad_filters_are_refused_with_a_message(client, inspector, cases, params):
    client.force_login(inspector)
    client.cookies["django_language"] = "en"

    response = client.get(STATS, params)

    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode() or "alert-danger" in response.content.decode()
    assert client.get("/supervision/stats/export.xlsx", params).status_code == 400


@pytest.mark.parametrize("role", ["window_clerk", "reviewer", "approver"])
def test_other_staff_may_not_read_the_statistics(client, staff, cases, role):
    client.force_login(staff[role])

    assert client.get(STATS).status_code == 403
    assert client.get("/supervision/stats/export.csv").status_code == 403


def test_a_citizen_may_not_read_the_statistics(client, citizen, cases):
    client.force_login(citizen)

    assert client.get(STATS).status_code == 403
    assert client.get("/supervision/stats/export.xlsx").status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client, cases):
    response = client.get("/supervision/stats/export.csv")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_makes_a_fixed_number_of_queries(client, inspector, cases, django_assert_max_num_queries):
    client.force_login(inspector)

    with django_assert_max_num_queries(14):
        client.get(STATS, {"date_from": "2026-08-01"})


# The exports ------------------------------------------------------------------------------------


def _csv_rows(response) -> list[list[str]]:
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for Excel
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_csv_export_holds_every_breakdown(client, inspector, cases, item, immediate_item):
    client.force_login(inspector)

    response = client.get("/supervision/stats/export.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="case-statistics.csv"'
    rows = _csv_rows(response)
    assert rows[0] == EXPORT_HEADER
    assert rows[1] == ["合计", "", "全部", "", "4", "3", "2", "66.7", "8.0", "7.0", "1", "0", "0", "0"]
    assert rows[2] == [
        "部门",
        "YG-SJJ",
        "阳光区市场监督管理局",
        "",
        "3",
        "2",
        "1",
        "50.0",
        "12.0",
        "10.0",
        "1",
        "0",
        "0",
        "0",
    ]
    assert rows[3] == [
        "部门",
        "YG-ZJJ",
        "阳光区住房和城乡建设局",
        "",
        "1",
        "1",
        "1",
        "100.0",
        "0.0",
        "1.0",
        "0",
        "0",
        "0",
        "0",
    ]
    assert rows[4] == [
        "事项",
        item.code,
        item.name,
        "阳光区市场监督管理局",
        "3",
        "2",
        "1",
        "50.0",
        "",
        "",
        "1",
        "0",
        "0",
        "0",
    ]
    assert rows[5][:5] == ["事项", immediate_item.code, "个体户登记", "阳光区住房和城乡建设局", "1"]
    states = {row[1]: row[4] for row in rows if row[0] == "状态"}
    assert states["concluded"] == "3" and states["submitted"] == "1" and len(states) == 11


def test_the_xlsx_export_reads_back_with_numbers_as_numbers(client, inspector, cases):
    client.force_login(inspector)

    response = client.get("/supervision/stats/export.xlsx", {"date_from": "2026-09-01", "date_to": "2026-09-30"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="case-statistics_2026-09-01--2026-09-30.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["办件统计"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == EXPORT_HEADER
    assert rows[1] == ("合计", None, "全部", None, 2, 3, 2, 66.7, 8, 7, 1, 0, 0, 0)
    assert rows[2] == ("部门", "YG-SJJ", "阳光区市场监督管理局", None, 1, 2, 1, 50, 12, 10, 1, 0, 0, 0)


def test_an_export_has_the_filters_and_the_scope_of_the_page(client, staff, cases):
    client.force_login(staff["dept_head"])

    rows = _csv_rows(client.get("/supervision/stats/export.csv"))

    assert [row[1] for row in rows if row[0] == "部门"] == ["YG-SJJ"]
    assert "阳光区住房和城乡建设局" not in {cell for row in rows for cell in row}


def test_a_name_that_looks_like_a_formula_stays_text(client, inspector, cases, item):
    PowerItem.objects.filter(pk=item.pk).update(name='=HYPERLINK("http://example.com","x")')
    client.force_login(inspector)

    rows = _csv_rows(client.get("/supervision/stats/export.csv"))
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/supervision/stats/export.xlsx").content)).active

    # The same in both formats: the quote that tells Excel "text", and in XLSX a string cell.
    assert rows[4][2] == '\'=HYPERLINK("http://example.com","x")'
    cell = sheet["C5"]
    assert cell.value == '\'=HYPERLINK("http://example.com","x")' and cell.data_type == "s"


def test_an_unknown_export_format_is_not_found(client, inspector, cases):
    client.force_login(inspector)

    assert client.get("/supervision/stats/export.pdf").status_code == 404
