"""The case figures (docs/statistics.md) with a case in every terminal state: the statistics page,
its status table, the monthly score and the public ranking all give the same numbers."""

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from supervision.models import DepartmentScore
from supervision.selectors.figures import case_figures, period_bounds
from supervision.services.scores import department_scores_compute
from tests.factories import UserFactory
from workflow.models import Case
from workflow.services import cases as services

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEPTEMBER = date(2026, 9, 1)
STATS = "/supervision/stats/"


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


@pytest.fixture
def inspector(db):
    return UserFactory(role="inspector", username="inspector", name="纪检员")


@pytest.fixture
def month(calendar_2025_2026, file_case, staff):
    """September 2026 in 阳光区市场监督管理局 (ten promised working days: accepted 1 September, due 15 September):

    on_time — concluded 3 September;            late — concluded 22 September;
    denied — denied, then concluded 4 September (on time: a refusal is a conclusion too);
    not_accepted — refused at intake 2 September;  withdrawn — accepted, withdrawn 4 September;
    overdue — accepted 1 September, still under review.
    """
    clerk, reviewer, approver = staff["window_clerk"], staff["reviewer"], staff["approver"]

    def filed(day):
        with time_machine.travel(at(day, 9)):
            return file_case()

    def accepted(day):
        case = filed(day)
        with time_machine.travel(at(day)):
            services.case_accept(case=case, user=clerk, opinion="材料齐全，予以受理")
            services.case_advance(case=case, user=reviewer, opinion="进入审查")
        return case

    cases = {name: accepted("2026-09-01") for name in ("on_time", "late", "denied", "withdrawn", "overdue")}
    for name, day in (("on_time", "2026-09-03"), ("late", "2026-09-22")):
        with time_machine.travel(at(day)):
            services.case_approve(case=cases[name], user=approver, opinion="准予许可")
            services.case_conclude(case=cases[name], user=clerk, opinion="证照已送达")
    with time_machine.travel(at("2026-09-04")):
        services.case_deny(
            case=cases["denied"], user=approver, reason="条件不符", legal_basis="《行政许可法》第三十八条"
        )
        services.case_conclude(case=cases["denied"], user=clerk, opinion="不予许可决定书已送达")
        services.case_withdraw(case=cases["withdrawn"], user=cases["withdrawn"].applicant, opinion="不再申请")
    cases["not_accepted"] = filed("2026-09-02")
    with time_machine.travel(at("2026-09-02")):
        services.case_not_accept(
            case=cases["not_accepted"], user=clerk, reason="不属于本机关职权", legal_basis="《行政许可法》第三十二条"
        )
    return cases


def test_the_month_has_a_case_in_every_state_it_claims(month):
    states = {name: Case.objects.get(pk=case.pk).state for name, case in month.items()}

    assert states == {
        "on_time": "concluded",
        "late": "concluded",
        "denied": "concluded",
        "withdrawn": "withdrawn",
        "overdue": "reviewing",
        "not_accepted": "not_accepted",
    }


def test_withdrawn_and_refused_cases_are_counted_apart_not_as_concluded(month, department):
    start, end = period_bounds(date(2026, 9, 1), date(2026, 9, 30))

    with time_machine.travel(at("2026-10-10")):
        (row,) = case_figures(start=start, end=end)

    assert row["department_id"] == department.pk
    assert {key: row[key] for key in ("received", "concluded", "on_time", "late")} == {
        "received": 6,
        "concluded": 3,
        "on_time": 2,
        "late": 1,
    }
    assert (row["not_accepted"], row["withdrawn"], row["open_overdue"]) == (1, 1, 1)


def test_the_statistics_page_agrees_with_its_status_table(client, inspector, month):
    client.force_login(inspector)

    response = client.get(STATS, {"date_from": "2026-09-01", "date_to": "2026-09-30"})

    html = response.content.decode()
    summary = {key: value.strip() for key, value in re.findall(r'data-summary="([a-z_]+)">([^<]+)<', html)}
    assert summary == {
        "received": "6",
        "concluded": "3",
        "on_time_rate": "66.7%",
        "not_accepted": "1",
        "withdrawn": "1",
        "open_overdue": "1",
        "days": summary["days"],
    }
    states = dict(re.findall(r'data-state="([a-z_]+)">.*?data-figure="cases">(\d+)<', html, re.S))
    assert states["concluded"] == summary["concluded"]
    assert states["not_accepted"] == summary["not_accepted"] and states["withdrawn"] == summary["withdrawn"]
    assert sum(int(count) for count in states.values()) == 6


def test_the_monthly_score_and_the_public_ranking_give_the_same_on_time_rate(client, zone, month, department):
    zone("single")
    with time_machine.travel(at("2026-10-10")):
        department_scores_compute(month=SEPTEMBER)
    score = DepartmentScore.objects.get(department=department, month=SEPTEMBER)

    zone("external")
    html = client.get("/public/rankings/", {"month": "2026-09"}).content.decode()

    assert (score.concluded, score.on_time) == (3, 2)
    assert 'data-figure="on_time_rate">66.7%<' in html


def test_a_month_where_every_concluded_case_was_on_time_publishes_a_full_rate(
    client, zone, month, department, other_department
):
    """The issue's report: every concluded case on time, a refused and a withdrawn one beside them."""
    Case.objects.filter(pk__in=[month["late"].pk, month["overdue"].pk]).update(department=other_department)
    zone("single")
    with time_machine.travel(at("2026-10-10")):
        department_scores_compute(month=SEPTEMBER)

    zone("external")
    html = client.get("/public/rankings/", {"month": "2026-09"}).content.decode()

    rates = dict(re.findall(r'data-department="([^"]+)".*?data-figure="on_time_rate">([^<]+)<', html, re.S))
    assert rates == {"YG-SJJ": "100.0%", "YG-ZJJ": "0.0%"}
    assert DepartmentScore.objects.get(department=department, month=SEPTEMBER).score == Decimal("100.00")


def test_a_case_open_past_its_deadline_at_the_end_of_a_period_counts_there_as_overdue(month):
    """The late case was still open on 15–21 September: overdue in that week, concluded late after."""
    week = period_bounds(date(2026, 9, 14), date(2026, 9, 20))
    after = period_bounds(date(2026, 9, 21), date(2026, 9, 27))

    with time_machine.travel(at("2026-10-10")):
        (first,) = case_figures(start=week[0], end=week[1])
        (second,) = case_figures(start=after[0], end=after[1])

    # The late case and the one still under review, both past 15 September.
    assert (first["open_overdue"], first["concluded"]) == (2, 0)
    assert (second["open_overdue"], second["concluded"], second["late"]) == (1, 1, 1)


def test_an_open_case_before_its_deadline_is_not_overdue(month):
    with time_machine.travel(at("2026-09-10")):
        (row,) = case_figures(start=None, end=None)

    assert row["open_overdue"] == 0
