"""Deadlines of real cases over the 2026 holidays, with suspensions, returns and extensions."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from workflow.services import cases as services

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


def local_day(moment) -> str:
    return moment.astimezone(SHANGHAI).date().isoformat()


@pytest.fixture
def twenty_day_item(item, calendar_2025_2026):
    item.promised_days = 20
    item.save(update_fields=["promised_days"])
    return item


def test_twenty_working_days_from_29_september_skip_national_day_and_count_10_october(
    twenty_day_item, file_case, staff
):
    with time_machine.travel(at("2026-09-28")):
        case = file_case()
    with time_machine.travel(at("2026-09-29")):
        services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")

    # 30 Sep is day 1; 1–7 Oct are off; Saturday 10 Oct is worked (调休).
    assert local_day(case.deadline_at) == "2026-11-02"
    assert case.deadline_at.astimezone(SHANGHAI).time().hour == 23


def test_a_suspension_in_the_middle_moves_the_deadline_by_the_working_days_it_covered(
    twenty_day_item, file_case, staff
):
    case = file_case()
    with time_machine.travel(at("2026-09-29")):
        services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")
    with time_machine.travel(at("2026-10-09")):
        services.case_suspend(case=case, user=staff["reviewer"], opinion="组织专家评审", days=3)
    with time_machine.travel(at("2026-10-13")):
        services.case_resume(case=case, user=staff["reviewer"], opinion="专家评审结束")

    # Paused: Sat 10 Oct (worked), Mon 12, Tue 13 → three working days more, for the case and its step.
    assert local_day(case.deadline_at) == "2026-11-05"
    assert local_day(case.step_deadline_at) == "2026-10-15"  # 审查's five days would have ended on 12 Oct
    suspension = case.pauses.get()
    assert (suspension.kind, suspension.days, suspension.ended_at is not None) == ("suspension", 3, True)


def test_a_return_pauses_the_clock_until_the_applicant_resubmits(twenty_day_item, file_case, staff, citizen):
    case = file_case()
    with time_machine.travel(at("2026-09-29")):
        services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")
    with time_machine.travel(at("2026-10-12")):
        services.case_return(case=case, user=staff["reviewer"], opinion="申请书缺少签字")
    with time_machine.travel(at("2026-10-14")):
        services.case_resubmit(case=case, user=citizen, opinion="已补签")

    assert case.state == "reviewing"
    assert local_day(case.deadline_at) == "2026-11-04"  # 13 and 14 Oct paused


def test_an_extension_adds_its_working_days(twenty_day_item, file_case, staff):
    case = file_case()
    with time_machine.travel(at("2026-09-29")):
        services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")
        services.case_extend(case=case, user=staff["dept_head"], opinion="需现场核查多处经营场所", days=10)

    assert local_day(case.deadline_at) == "2026-11-16"


def test_spring_festival_counts_the_adjusted_saturday_and_skips_the_nine_days_off(
    item, file_case, staff, calendar_2025_2026
):
    item.promised_days = 5
    item.save(update_fields=["promised_days"])
    case = file_case()
    with time_machine.travel(at("2026-02-12")):
        services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")

    # 13 Feb (Fri), 14 Feb (Sat, worked); 15–23 Feb off; 24, 25, 26 Feb.
    assert local_day(case.deadline_at) == "2026-02-26"
    # The first step after intake, 审查, has five working days of its own.
    assert local_day(case.step_deadline_at) == "2026-02-26"


def test_a_year_without_a_calendar_falls_back_to_weekdays_and_fixed_holidays(item, file_case, staff):
    case = file_case()
    with time_machine.travel(at("2027-09-29")):
        services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")

    # 30 Sep (Thu) is day 1; Friday 1 Oct is off (a fixed date); 4–8 and 11–14 Oct are days 2–10.
    assert local_day(case.deadline_at) == "2027-10-14"
