"""Monthly department scores: the formula on a hand-computed month, ranks, recomputation, the
command, and the internal and public pages with the right and the wrong users."""

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from supervision.constants import ComplaintAbout, Grade, Level, Subject
from supervision.models import Alert, DepartmentScore
from supervision.services.complaints import complaint_answer, complaint_file, complaint_judge
from supervision.services.ratings import rating_give
from supervision.services.scores import Formula, department_scores_compute, month_parse, ranks
from supervision.services.sweep import Finding, rule_sync, sweep
from tests.factories import DepartmentFactory, PowerItemFactory, StaffFactory, UserFactory
from workflow.services import cases as services

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEPTEMBER, OCTOBER = date(2026, 9, 1), date(2026, 10, 1)


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=SHANGHAI)


def conclude(case, staff, *, accepted: datetime, concluded: datetime):
    """Accept, review, approve and conclude a case of the usual four-step item."""
    with time_machine.travel(accepted):
        services.case_accept(case=case, user=staff["window_clerk"], opinion="材料齐全，予以受理")
    with time_machine.travel(concluded):
        services.case_advance(case=case, user=staff["reviewer"], opinion="符合条件")
        services.case_approve(case=case, user=staff["approver"], opinion="准予许可")
        services.case_conclude(case=case, user=staff["window_clerk"], opinion="证照已送达")
    return case


def conclude_on_the_spot(case, clerk, *, moment: datetime):
    """即办件: accepted, decided and concluded at once by the window clerk."""
    with time_machine.travel(moment, tick=False):
        services.case_accept(case=case, user=clerk, opinion="即办件，当场受理")
        services.case_approve(case=case, user=clerk, opinion="当场办结")
        services.case_conclude(case=case, user=clerk, opinion="当场送达")
    return case


@pytest.fixture
def inspector(db):
    return UserFactory(role="inspector", username="inspector", name="纪检员")


@pytest.fixture
def immediate_item(other_department):
    item = PowerItemFactory(published=True, department=other_department, promised_days=1, is_immediate=True)
    item.steps.create(position=1, name="受理", role="window_clerk", days_limit=1)
    return item


@pytest.fixture
def other_clerk(other_department):
    return StaffFactory(role="window_clerk", department=other_department, username="zjj-window_clerk")


@pytest.fixture
def third_department(db):
    department = DepartmentFactory(code="YG-JYJ", name="阳光区教育局")
    item = PowerItemFactory(published=True, department=department, promised_days=10)
    item.steps.create(position=1, name="受理", role="window_clerk", days_limit=1)
    department.item = item
    return department


def cards(*findings: tuple[int, str], department, moment: datetime) -> None:
    """What the video module would report about cameras under rule V1 at ``moment``."""
    with time_machine.travel(moment):
        rule_sync(
            code="V1",
            subject=Subject.CAMERA,
            findings=[Finding(subject_id=pk, level=level, department_id=department.pk) for pk, level in findings],
        )


@pytest.fixture
def september(
    calendar_2025_2026,
    department,
    other_department,
    third_department,
    file_case,
    staff,
    citizen,
    inspector,
    immediate_item,
    other_clerk,
):
    """A month worked by hand (default formula: 100 × on-time rate − 5 red − 1 yellow − 5 upheld − 2 bad).

    阳光区市场监督管理局 (department): two cases concluded in September, one on time and one late
    (50%); cameras 1 and 3 raised yellow and camera 2 red in September, camera 3 turned red in
    October; one complaint upheld and one bad rating in September:
    100 × 1/2 − 5 × 1 − 1 × 2 − 5 × 1 − 2 × 1 = 36.
    阳光区住房和城乡建设局 (other_department): one immediate case concluded on time: 100.
    阳光区教育局 (third_department): one case filed and not yet accepted, nothing concluded: 100.
    """
    with time_machine.travel(at("2026-08-31")):
        quick = file_case()
    conclude(quick, staff, accepted=at("2026-09-01"), concluded=at("2026-09-03"))
    with time_machine.travel(at("2026-07-31")):
        slow = file_case()
    # Ten working days from 3 August end on 17 August: concluded on 2 September, it is late.
    conclude(slow, staff, accepted=at("2026-08-03"), concluded=at("2026-09-02"))

    cards((1, Level.YELLOW), (2, Level.RED), (3, Level.YELLOW), department=department, moment=at("2026-09-10"))
    cards((1, Level.YELLOW), (2, Level.RED), (3, Level.RED), department=department, moment=at("2026-10-05"))

    with time_machine.travel(at("2026-09-04")):
        complaint = complaint_file(complainant=citizen, about=ComplaintAbout.CASE, case=quick, content="窗口态度差")
        complaint_answer(complaint=complaint, user=staff["dept_head"], answer="已批评教育")
    with time_machine.travel(at("2026-09-15")):
        complaint_judge(complaint=complaint, user=inspector, upheld=True)
    with time_machine.travel(at("2026-09-16")):
        rating_give(case=quick, user=citizen, grade=Grade.VERY_DISSATISFIED, comment="跑了两趟")

    with time_machine.travel(at("2026-09-08")):
        on_the_spot = file_case(item=immediate_item, uploads=[])
    conclude_on_the_spot(on_the_spot, other_clerk, moment=at("2026-09-08", 11))

    with time_machine.travel(at("2026-09-20")):
        file_case(item=third_department.item, uploads=[])
    return {"quick": quick, "slow": slow, "on_the_spot": on_the_spot}


def _scores(month: date) -> dict[str, tuple]:
    return {
        row.department.code: (
            row.concluded,
            row.on_time,
            row.red_alerts,
            row.yellow_alerts,
            row.upheld_complaints,
            row.bad_ratings,
            row.score,
            row.rank,
        )
        for row in DepartmentScore.objects.filter(month=month).select_related("department")
    }


# The formula and the ranks ----------------------------------------------------------------------


def test_a_hand_computed_month_gives_each_department_its_figures_score_and_rank(september):
    department_scores_compute(month=SEPTEMBER)

    assert _scores(SEPTEMBER) == {
        "YG-SJJ": (2, 1, 1, 2, 1, 1, Decimal("36.00"), 3),
        "YG-ZJJ": (1, 1, 0, 0, 0, 0, Decimal("100.00"), 1),
        "YG-JYJ": (0, 0, 0, 0, 0, 0, Decimal("100.00"), 1),
    }


def test_a_card_counts_in_the_month_it_was_shown(september):
    """Camera 3 was yellow in September and turned red in October: a yellow card for September, a
    red one for October, whenever either month is computed."""
    department_scores_compute(month=OCTOBER)

    october = _scores(OCTOBER)
    assert october["YG-SJJ"][:6] == (0, 0, 1, 0, 0, 0)
    assert october["YG-SJJ"][6] == Decimal("95.00")
    assert set(october) == {"YG-SJJ"}


def test_the_weights_come_from_the_setting(september, settings):
    settings.SUPERVISION_SCORE_FORMULA = {"on_time": 100, "red": 10, "yellow": 0, "complaint": 20, "rating": 0}

    department_scores_compute(month=SEPTEMBER)

    # 100 × 1/2 − 10 × 1 − 20 × 1
    assert _scores(SEPTEMBER)["YG-SJJ"][6] == Decimal("20.00")


def test_the_score_never_goes_below_zero():
    figures = {"concluded": 4, "on_time": 0, "red_alerts": 3, "yellow_alerts": 0, "upheld_complaints": 0}

    assert Formula().score({**figures, "bad_ratings": 0}) == Decimal("0.00")


def test_an_unknown_or_negative_weight_is_refused(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.SUPERVISION_SCORE_FORMULA = {"on_time": 100, "reds": 5}
    with pytest.raises(ImproperlyConfigured, match="reds"):
        Formula.from_settings()
    settings.SUPERVISION_SCORE_FORMULA = {"red": -5}
    with pytest.raises(ImproperlyConfigured):
        Formula.from_settings()


def test_equal_scores_share_a_rank_and_the_next_rank_is_skipped():
    assert ranks({1: Decimal(90), 2: Decimal(100), 3: Decimal(90), 4: Decimal(80)}) == {1: 2, 2: 1, 3: 2, 4: 4}


def test_a_red_card_from_the_sweep_counts_for_its_department(calendar_2025_2026, file_case, staff):
    """Accepted on 1 September with ten working days: due 15 September. The sweep shows a yellow
    card on the 14th and turns it red on the 16th: one of each in September, nothing concluded."""
    case = file_case()
    with time_machine.travel(at("2026-09-01")):
        services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")
    sweep(at=at("2026-09-14"), codes=["T1"])
    sweep(at=at("2026-09-16"), codes=["T1"])
    assert Alert.objects.get(case=case).level == Level.RED

    department_scores_compute(month=SEPTEMBER)

    assert _scores(SEPTEMBER)["YG-SJJ"] == (0, 0, 1, 1, 0, 0, Decimal("94.00"), 1)


def test_month_boundaries_are_local_time(calendar_2025_2026, immediate_item, other_clerk, file_case):
    """23:30 on 30 September in Shanghai is September; 00:30 on 1 October is October (16:30 UTC on
    30 September)."""
    with time_machine.travel(at("2026-09-30", 9)):
        late_evening, past_midnight = (
            file_case(item=immediate_item, uploads=[]),
            file_case(item=immediate_item, uploads=[]),
        )
    conclude_on_the_spot(late_evening, other_clerk, moment=at("2026-09-30", 23, 30))
    conclude_on_the_spot(past_midnight, other_clerk, moment=at("2026-10-01", 0, 30))

    department_scores_compute(month=SEPTEMBER)
    department_scores_compute(month=OCTOBER)

    assert _scores(SEPTEMBER)["YG-ZJJ"][:2] == (1, 1)
    assert _scores(OCTOBER)["YG-ZJJ"][:2] == (1, 1)


# Keeping months -------------------------------------------------------------------------------


def test_recomputing_a_month_replaces_it_and_leaves_the_others(september, citizen):
    department_scores_compute(month=SEPTEMBER)
    department_scores_compute(month=OCTOBER)
    october_before = list(DepartmentScore.objects.filter(month=OCTOBER).values())
    gone = DepartmentFactory(code="YG-GONE", name="已撤销的局")
    DepartmentScore.objects.create(department=gone, month=SEPTEMBER, score=Decimal(50), rank=4)
    with time_machine.travel(at("2026-09-18")):
        rating_give(case=september["on_the_spot"], user=citizen, grade=Grade.DISSATISFIED)

    department_scores_compute(month=SEPTEMBER)

    scores = _scores(SEPTEMBER)
    assert set(scores) == {"YG-SJJ", "YG-ZJJ", "YG-JYJ"}  # one row each; the stale one is gone
    assert scores["YG-ZJJ"][5:] == (1, Decimal("98.00"), 2)
    assert scores["YG-JYJ"][6:] == (Decimal("100.00"), 1)
    assert list(DepartmentScore.objects.filter(month=OCTOBER).values()) == october_before


# The command ------------------------------------------------------------------------------------


def test_the_command_scores_the_month_it_is_given(september, capsys):
    call_command("monthly_scores", "--month", "2026-09")

    assert _scores(SEPTEMBER)["YG-SJJ"][6:] == (Decimal("36.00"), 3)
    out = capsys.readouterr().out
    assert "2026-09: 3 departments scored" in out
    assert re.search(r"3\s+36\.00\s+YG-SJJ", out)


def test_the_command_scores_the_previous_month_by_default(september):
    with time_machine.travel(at("2026-10-01", 0, 10)):
        call_command("monthly_scores")

    assert set(DepartmentScore.objects.values_list("month", flat=True)) == {SEPTEMBER}


def test_in_january_the_previous_month_is_last_december(db, capsys):
    with time_machine.travel(at("2027-01-05")):
        call_command("monthly_scores")

    assert capsys.readouterr().out.startswith("2026-12: 0 departments scored")


def test_a_month_is_written_year_dash_month():
    assert month_parse(" 2026-09 ") == SEPTEMBER


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "2026-9", "26-09", "September", "2026-09-01", "1999-12", ""])
def test_a_malformed_month_is_refused_with_a_clear_message(db, month):
    with pytest.raises(CommandError, match="--month"):
        call_command("monthly_scores", "--month", month)
    assert not DepartmentScore.objects.exists()


def test_a_month_that_has_not_begun_is_refused(db):
    with time_machine.travel(at("2026-10-05")), pytest.raises(CommandError, match="not begun"):
        call_command("monthly_scores", "--month", "2026-11")


# The internal page ------------------------------------------------------------------------------


def _rows(response) -> list[tuple[str, str]]:
    html = response.content.decode()
    return re.findall(r'data-testid="ranking-row" data-department="([^"]+)".*?data-figure="rank">(\d+)<', html, re.S)


@pytest.fixture
def scored(department, other_department):
    """August and September: 阳光区住房和城乡建设局 first, 阳光区市场监督管理局 second in both."""
    for month, (first, second) in ((date(2026, 8, 1), (90, 80)), (SEPTEMBER, (100, 36))):
        for dept, score, rank in ((other_department, first, 1), (department, second, 2)):
            DepartmentScore.objects.create(
                department=dept, month=month, concluded=2, on_time=1, red_alerts=7, score=Decimal(score), rank=rank
            )


def test_an_inspector_sees_the_latest_month_with_every_figure(client, zone, inspector, scored):
    zone("internal")
    client.force_login(inspector)

    response = client.get("/supervision/scores/")

    assert response.status_code == 200
    assert _rows(response) == [("YG-ZJJ", "1"), ("YG-SJJ", "2")]
    html = response.content.decode()
    assert 'data-figure="red_alerts">7<' in html
    assert 'data-figure="on_time_rate">50.0%<' in html


def test_an_inspector_picks_a_month_and_a_department_history(client, zone, inspector, scored):
    zone("internal")
    client.force_login(inspector)

    response = client.get("/supervision/scores/", {"month": "2026-08", "department": "YG-SJJ"})

    assert _rows(response) == [("YG-ZJJ", "1"), ("YG-SJJ", "2")]
    assert re.findall(r'data-testid="history-row" data-month="([^"]+)"', response.content.decode()) == [
        "2026-09",
        "2026-08",
    ]


def test_a_month_not_scored_is_not_found(client, zone, inspector, scored):
    zone("internal")
    client.force_login(inspector)

    assert client.get("/supervision/scores/", {"month": "2026-07"}).status_code == 404
    assert client.get("/supervision/scores/", {"month": "July"}).status_code == 404


def test_a_department_head_opens_on_their_own_department_history(client, zone, staff, scored):
    zone("internal")
    client.force_login(staff["dept_head"])

    response = client.get("/supervision/scores/")

    assert response.status_code == 200
    assert len(re.findall(r'data-testid="history-row"', response.content.decode())) == 2
    assert response.context["department"].code == "YG-SJJ"


@pytest.mark.parametrize("role", ["window_clerk", "reviewer", "approver"])
def test_other_staff_may_not_see_the_scores(client, zone, staff, scored, role):
    zone("internal")
    client.force_login(staff[role])

    assert client.get("/supervision/scores/").status_code == 403


def test_a_citizen_may_not_see_the_scores(client, zone, citizen, scored):
    zone("internal")
    client.force_login(citizen)

    assert client.get("/supervision/scores/").status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client, zone, scored):
    zone("internal")

    response = client.get("/supervision/scores/")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_scores_page_makes_a_fixed_number_of_queries(
    client, zone, inspector, scored, django_assert_max_num_queries
):
    zone("internal")
    client.force_login(inspector)

    with django_assert_max_num_queries(10):
        client.get("/supervision/scores/", {"department": "YG-SJJ"})


# The public ranking -----------------------------------------------------------------------------


def test_the_public_ranking_is_open_to_anyone_on_the_external_zone(client, zone, scored):
    zone("external")

    response = client.get("/public/rankings/")

    assert response.status_code == 200
    assert _rows(response) == [("YG-ZJJ", "1"), ("YG-SJJ", "2")]
    html = response.content.decode()
    assert "阳光区市场监督管理局" in html and "36.00" in html and "50.0%" in html
    # Only the public figures: rank, score, on-time rate.
    assert set(re.findall(r'data-figure="([^"]+)"', html)) == {"rank", "score", "on_time_rate"}


def test_the_public_ranking_has_a_month_picker(client, zone, scored):
    zone("external")

    response = client.get("/public/rankings/", {"month": "2026-08"})

    assert _rows(response) == [("YG-ZJJ", "1"), ("YG-SJJ", "2")]
    assert "90.00" in response.content.decode()
    assert re.findall(r'<option value="([^"]+)"', response.content.decode()) == ["2026-09", "2026-08"]
    assert client.get("/public/rankings/", {"month": "2026-07"}).status_code == 404


def test_the_public_ranking_says_so_when_nothing_is_published(client, zone, db):
    zone("external")

    response = client.get("/public/rankings/")

    assert response.status_code == 200 and 'data-testid="ranking-empty"' in response.content.decode()


def test_the_internal_pages_do_not_exist_on_the_external_zone(client, zone, inspector, scored):
    zone("external")
    client.force_login(inspector)

    assert client.get("/supervision/scores/").status_code == 404
    assert client.get("/supervision/stats/").status_code == 404
