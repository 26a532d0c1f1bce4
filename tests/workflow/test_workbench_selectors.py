"""The workbench's reads: whose cases, in which order, through which filters, and how much time is left."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from tests.factories import PowerItemFactory, StaffFactory, UserFactory
from workflow.calendar import WorkingCalendar
from workflow.models import Case
from workflow.selectors import workbench as selectors
from workflow.services import cases as services

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _numbers(cases) -> list[str]:
    return [case.number for case in cases]


def _accept(case, staff):
    return services.case_accept(case=case, user=staff["window_clerk"], opinion="材料齐全")


def _time_left(case, at: datetime) -> selectors.TimeLeft:
    case = Case.objects.select_related("item", "step").get(pk=case.pk)
    with time_machine.travel(at, tick=False):
        return selectors.time_left(case, calendar=WorkingCalendar(), now=timezone.now(), today=timezone.localdate())


# Whose cases ----------------------------------------------------------------------------------


def test_staff_see_their_departments_cases_only(staff, file_case, other_department):
    ours = file_case()
    theirs = file_case(item=PowerItemFactory(published=True, department=other_department), uploads=[])

    assert _numbers(selectors.workbench_cases(staff["reviewer"])) == [ours.number]
    assert set(_numbers(selectors.workbench_cases(UserFactory(role="inspector")))) == {ours.number, theirs.number}


def test_a_citizen_and_staff_without_a_department_have_no_workbench(citizen, file_case):
    file_case()
    nobody = StaffFactory(role="window_clerk", department=None)

    assert not selectors.is_case_staff(citizen) and not selectors.is_case_staff(nobody)
    assert not selectors.workbench_cases(citizen).exists()
    assert not selectors.workbench_cases(nobody).exists()


def test_a_clerks_own_application_elsewhere_is_not_on_their_workbench(staff, item, other_department):
    clerk = StaffFactory(role="window_clerk", department=other_department, mobile="13600000000")
    services.case_file(
        applicant=clerk,
        item=PowerItemFactory(published=True, department=staff["window_clerk"].department),
        applicant_name="本人",
        applicant_id_number="110101199001011237",
        applicant_mobile="13600000000",
    )

    assert Case.objects.visible_to(clerk).count() == 1
    assert not selectors.workbench_cases(clerk).exists()


# Order and filters -----------------------------------------------------------------------------


def test_the_inbox_holds_open_cases_most_urgent_first(staff, file_case):
    now = timezone.now()
    waiting, soon, later, closed = file_case(), _accept(file_case(), staff), _accept(file_case(), staff), file_case()
    services.case_not_accept(case=closed, user=staff["window_clerk"], reason="重复申请", legal_basis="第三十二条")
    Case.objects.filter(pk=waiting.pk).update(step_deadline_at=now + timedelta(days=3))
    Case.objects.filter(pk=soon.pk).update(deadline_at=now + timedelta(days=1))
    Case.objects.filter(pk=later.pk).update(deadline_at=now + timedelta(days=9))

    assert _numbers(selectors.inbox(staff["window_clerk"])) == [soon.number, waiting.number, later.number]


def test_a_case_of_an_item_without_a_flowchart_is_placed_by_its_filing_time(staff, file_case, department):
    bare = PowerItemFactory(published=True, department=department)  # no steps: no intake deadline
    plain = file_case(item=bare, uploads=[])
    Case.objects.filter(pk=plain.pk).update(submitted_at=timezone.now() - timedelta(days=30))
    stepped = file_case()

    cases = list(selectors.inbox(staff["window_clerk"]))

    assert _numbers(cases) == [plain.number, stepped.number]
    assert cases[0].step is None


def test_mine_leaves_out_the_cases_that_wait_for_the_applicant(staff, file_case):
    waiting, asked = file_case(), file_case()
    services.case_request_supplement(case=asked, user=staff["window_clerk"], materials=[], opinion="缺少签字")

    assert _numbers(selectors.inbox(staff["window_clerk"], {"mine": True})) == [waiting.number]
    assert set(_numbers(selectors.inbox(staff["window_clerk"]))) == {waiting.number, asked.number}


def test_mine_follows_the_step_through_the_flowchart(staff, file_case):
    case = _accept(file_case(), staff)  # 审查: a reviewer's
    assert _numbers(selectors.inbox(staff["reviewer"], {"mine": True})) == [case.number]
    assert _numbers(selectors.inbox(staff["approver"], {"mine": True})) == []

    services.case_advance(case=case, user=staff["reviewer"], opinion="审查通过")  # 决定: the approver's

    assert _numbers(selectors.inbox(staff["reviewer"], {"mine": True})) == []
    assert _numbers(selectors.inbox(staff["approver"], {"mine": True})) == [case.number]


def test_overdue_leaves_out_paused_cases(staff, file_case):
    late, suspended = _accept(file_case(), staff), _accept(file_case(), staff)
    services.case_suspend(case=suspended, user=staff["reviewer"], opinion="专家评审", days=10)
    Case.objects.filter(pk__in=[late.pk, suspended.pk]).update(deadline_at=timezone.now() - timedelta(days=2))

    assert _numbers(selectors.inbox(staff["window_clerk"], {"overdue": True})) == [late.number]


def test_a_search_by_digits_finds_a_mobile_fragment_or_a_number(staff, file_case):
    case = file_case(applicant_mobile="13912345678")
    other = file_case(applicant_mobile="13700000000")

    assert _numbers(selectors.inbox(staff["window_clerk"], {"q": "5678"})) == [case.number]
    assert _numbers(selectors.inbox(staff["window_clerk"], {"q": other.number[-6:]})) == [other.number]
    assert _numbers(selectors.inbox(staff["window_clerk"], {"q": "sp-"})) == _numbers(
        selectors.inbox(staff["window_clerk"])
    )


def test_a_name_is_found_by_a_chinese_fragment_or_a_latin_name_in_any_case(staff, file_case):
    chinese, latin, _other = file_case(applicant_name="欧阳明华"), file_case(applicant_name="John Smith"), file_case()

    assert _numbers(selectors.inbox(staff["window_clerk"], {"q": "阳明"})) == [chinese.number]
    assert _numbers(selectors.inbox(staff["window_clerk"], {"q": "smith"})) == [latin.number]


def test_a_whole_case_number_is_found_in_any_case(staff, file_case):
    case, _other = file_case(), file_case()

    assert _numbers(selectors.inbox(staff["window_clerk"], {"q": case.number.lower()})) == [case.number]


def test_the_paginator_counts_up_to_its_cap_and_pages_in_urgency_order(staff, file_case):
    for _ in range(5):
        file_case()

    class SmallPaginator(selectors.InboxPaginator):
        COUNT_CAP = 3

    paginator = SmallPaginator(selectors.inbox(staff["window_clerk"]), 2)
    first, second = paginator.page(1), paginator.page(2)

    assert (paginator.count, paginator.capped, paginator.num_pages) == (4, True, 2)
    assert _numbers(first) + _numbers(second) == _numbers(selectors.inbox(staff["window_clerk"]))[:4]
    assert first[0].item.name and first[0].step.name  # joined in


def test_an_empty_inbox_has_one_empty_page(staff):
    paginator = selectors.InboxPaginator(selectors.inbox(staff["window_clerk"]), 50)

    assert (paginator.count, paginator.capped, list(paginator.page(1))) == (0, False, [])


def test_the_items_offered_are_the_departments_items_in_force(staff, item, other_department, department):
    PowerItemFactory(published=True, department=other_department)
    PowerItemFactory(department=department)  # a draft

    assert selectors.inbox_items(staff["window_clerk"]) == [(item.code, item.name)]


# Time left ---------------------------------------------------------------------------------------


@pytest.fixture
def accepted_on_monday(calendar_2025_2026, file_case, staff):
    """Accepted on Monday 2 March 2026: ten working days promised, due at the end of 16 March."""
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI), tick=False):
        return _accept(file_case(), staff)


@pytest.mark.parametrize(
    ("day", "status", "days"),
    [(3, "ok", 9), (11, "ok", 3), (12, "near", 2), (13, "near", 1), (16, "near", 0), (17, "overdue", -1)],
)
def test_working_days_left_and_their_colour(accepted_on_monday, day, status, days):
    left = _time_left(accepted_on_monday, datetime(2026, 3, day, 9, 0, tzinfo=SHANGHAI))

    assert (left.status, left.days) == (status, days)


def test_a_weekend_does_not_count_as_time_left(accepted_on_monday):
    # Saturday 14 March: only Monday the 16th is left.
    left = _time_left(accepted_on_monday, datetime(2026, 3, 14, 9, 0, tzinfo=SHANGHAI))

    assert (left.status, left.days) == ("near", 1)


def test_the_intake_clock_runs_before_acceptance(calendar_2025_2026, file_case):
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI), tick=False):
        case = file_case()

    assert _time_left(case, datetime(2026, 3, 2, 11, 0, tzinfo=SHANGHAI)).status == "near"
    overdue = _time_left(case, datetime(2026, 3, 5, 9, 0, tzinfo=SHANGHAI))
    assert (overdue.status, overdue.overdue_days) == ("overdue", 2)


def test_a_paused_case_has_no_time_left(staff, accepted_on_monday):
    with time_machine.travel(datetime(2026, 3, 3, 10, 0, tzinfo=SHANGHAI), tick=False):
        services.case_return(case=accepted_on_monday, user=staff["reviewer"], opinion="申请表未签字")

    left = _time_left(accepted_on_monday, datetime(2026, 4, 30, 9, 0, tzinfo=SHANGHAI))

    assert (left.status, left.days) == ("paused", None)


@time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI), tick=False)
def test_the_rows_of_a_page_share_the_calendar_queries(staff, file_case, django_assert_num_queries):
    cases = [_accept(file_case(), staff) for _ in range(5)]
    page = list(Case.objects.select_related("item", "step").filter(pk__in=[case.pk for case in cases]))

    with django_assert_num_queries(2):  # the Holiday rows of this year and the complete years, once each
        rows = selectors.inbox_rows(page)

    assert [left.status for _case, left in rows] == ["ok"] * 5
