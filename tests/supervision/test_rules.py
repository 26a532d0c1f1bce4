"""The case rules' yellow and red boundaries, each judged just before and just after with `supervise --at`.

Cases go through the real services at chosen moments (time_machine) over the 2026 holidays of the
chinese-calendar package: National Day is 1–7 October, Saturday 10 October is worked (调休).
What each threshold means is in DESIGN.md §5 and supervision/migrations/0002_rules.py. Each test
runs one rule (``--rule``), so that the other rules' findings about the same case do not interfere.

Rules over a state or a counter (R1, G1, H1's yellow) read the case as it is, not as it was at
``--at``: their boundary is the event itself, so they are judged just before and just after it.
"""

from datetime import datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from supervision.constants import Level, Subject
from supervision.models import Alert, Rule
from workflow.calendar import WorkingCalendar
from workflow.constants import CaseState
from workflow.models import Case
from workflow.services import cases as services

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=SHANGHAI)


def judged(code: str, case: Case, moment: str) -> str | None:
    """Run rule ``code`` as of ``moment`` (Shanghai time); the level of the case's open alert, if any."""
    call_command("supervise", "--once", "--at", moment, "--rule", code, stdout=StringIO())
    levels = list(
        Alert.objects.open().filter(rule__code=code, subject=Subject.CASE, subject_id=case.pk).values_list("level")
    )
    assert len(levels) <= 1, f"{code}: more than one open alert for one case"
    return levels[0][0] if levels else None


def local_day(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).date().isoformat()


def acting(staff: dict, citizen):
    """``act("2026-10-09 10:00", services.case_suspend, case, "reviewer", days=3)``: a transition at that moment."""

    def act(moment: str, service, case: Case, who: str, **fields) -> Case:
        user = citizen if who == "citizen" else staff[who]
        if service not in (services.case_not_accept, services.case_deny):
            fields.setdefault("opinion", "办理意见")
        with time_machine.travel(at(moment), tick=False):
            service(case=case, user=user, **fields)
        case.refresh_from_db()
        return case

    return act


def filing(file_case):
    """``filed("2026-09-29 10:00")``: a case filed at that moment."""

    def filed(moment: str = "2026-09-28 10:00") -> Case:
        with time_machine.travel(at(moment), tick=False):
            return file_case()

    return filed


def accepting(filed, act):
    """``accepted()``: filed on Monday 28 September, accepted on Tuesday 29 September 2026 at 10:00 (in 审查 since)."""

    def accepted(moment: str = "2026-09-29 10:00") -> Case:
        return act(moment, services.case_accept, filed(), "window_clerk")

    return accepted


# The same three fixtures are in test_sweep.py.
@pytest.fixture
def act(staff, citizen):
    return acting(staff, citizen)


@pytest.fixture
def filed(file_case, calendar_2025_2026):
    return filing(file_case)


@pytest.fixture
def accepted(filed, act):
    return accepting(filed, act)


def promise(item, days: int) -> None:
    item.promised_days, item.legal_days = days, max(days, item.legal_days)
    item.save(update_fields=["promised_days", "legal_days"])


# T1 case deadline: yellow at ≤ max(1, ⌈20% × time limit⌉) working days left, red when overdue ----------


def test_t1_ten_days_promised_yellow_when_two_working_days_are_left(accepted):
    case = accepted()
    # 30 Sep, then 8, 9, 10 (Sat, worked), 12–16, 19 Oct: the tenth working day is 19 October.
    assert local_day(case.deadline_at) == "2026-10-19"
    assert case.time_limit_days == 10

    # On 14 October three working days are left (15, 16, 19); on 15 October two (16, 19) = ⌈0.2 × 10⌉.
    assert judged("T1", case, "2026-10-14T23:59:59") is None
    assert judged("T1", case, "2026-10-15T00:00:00") == Level.YELLOW


def test_t1_red_once_the_deadline_day_has_ended(accepted):
    case = accepted()

    assert judged("T1", case, "2026-10-19T23:59:00") == Level.YELLOW
    assert judged("T1", case, "2026-10-20T00:00:01") == Level.RED


def test_t1_a_short_time_limit_still_warns_one_working_day_ahead_across_the_holiday(item, accepted):
    promise(item, 3)
    case = accepted()
    # 30 Sep, 8 and 9 Oct: due at the end of 9 October; ⌈0.2 × 3⌉ = 1 working day.
    assert local_day(case.deadline_at) == "2026-10-09"

    # On the last day of the holiday two working days are left (8 and 9 October); on 8 October one.
    assert judged("T1", case, "2026-10-07T23:59:59") is None
    assert judged("T1", case, "2026-10-08T00:00:00") == Level.YELLOW
    assert judged("T1", case, "2026-10-09T23:59:59") == Level.YELLOW
    assert judged("T1", case, "2026-10-10T00:00:00") == Level.RED


def test_t1_counts_the_extension_in_the_time_limit(item, accepted, act):
    promise(item, 15)
    case = accepted()
    act("2026-09-29 11:00", services.case_extend, case, "dept_head", days=10)
    # 25 working days from 29 September: 9 November; ⌈0.2 × 25⌉ = 5 working days ahead.
    assert (case.time_limit_days, local_day(case.deadline_at)) == (25, "2026-11-09")

    # Over the weekend six are left (2–6 and 9 November); on Monday 2 November five (3–6, 9).
    assert judged("T1", case, "2026-11-01T23:59:59") is None
    assert judged("T1", case, "2026-11-02T00:00:00") == Level.YELLOW


def test_t1_a_share_other_than_a_fifth_is_exact(item, accepted):
    """⌈0.14 × 50⌉ = 7 working days (in floating point 7 / 0.14 = 49.99…, which gave 8)."""
    Rule.objects.filter(code="T1").update(yellow_threshold=Decimal("0.14"))
    promise(item, 50)
    case = accepted()
    deadline = case.deadline_at.astimezone(SHANGHAI).date()
    calendar = WorkingCalendar()
    # Yellow from the day on which 7 working days are left, not the day before (8 left).
    first_yellow = calendar.add_working_days(deadline, -7)
    day_before = calendar.add_working_days(first_yellow, -1)
    assert judged("T1", case, f"{day_before}T23:59:59") is None
    assert judged("T1", case, f"{first_yellow}T00:00:00") == Level.YELLOW


def test_t1_ignores_a_case_whose_clock_is_stopped(accepted, act):
    case = accepted()
    act("2026-10-12 10:00", services.case_suspend, case, "reviewer", days=30)

    assert judged("T1", case, "2026-10-20T00:00:01") is None


# T2 step deadline: yellow past the step's limit, red past twice it (working days from entering the step) --


def test_t2_yellow_once_the_steps_five_working_days_have_ended(accepted):
    case = accepted()  # enters 审查 (5 working days) at acceptance, 29 September 10:00
    assert case.step.name == "审查"

    # 30 Sep, 8, 9, 10 (Sat, worked), 12 Oct: the limit ends with 12 October.
    assert judged("T2", case, "2026-10-12T23:59:59") is None
    assert judged("T2", case, "2026-10-13T00:00:00") == Level.YELLOW


def test_t2_red_once_twice_the_limit_has_ended(accepted):
    case = accepted()

    # Ten working days: 13, 14, 15, 16, 19 October follow.
    assert judged("T2", case, "2026-10-19T23:59:59") == Level.YELLOW
    assert judged("T2", case, "2026-10-20T00:00:00") == Level.RED


def test_t2_counts_from_entering_the_current_step(accepted, act):
    case = accepted()
    act("2026-10-09 15:00", services.case_advance, case, "reviewer")  # into 决定, two working days
    assert case.step.name == "决定"

    # 10 (Sat, worked) and 12 October; twice: 13 and 14 October.
    assert judged("T2", case, "2026-10-12T23:59:59") is None
    assert judged("T2", case, "2026-10-13T00:00:00") == Level.YELLOW
    assert judged("T2", case, "2026-10-14T23:59:59") == Level.YELLOW
    assert judged("T2", case, "2026-10-15T00:00:00") == Level.RED


def test_t2_a_decided_case_left_undelivered_is_late_at_its_delivery_step(decided):
    case = decided()  # approved on 12 October at 10:00, into 送达 (one working day)
    assert (case.state, case.step.name) == (CaseState.APPROVED, "送达")

    assert judged("T2", case, "2026-10-13T23:59:59") is None
    assert judged("T2", case, "2026-10-14T00:00:00") == Level.YELLOW
    assert judged("T2", case, "2026-10-14T23:59:59") == Level.YELLOW
    assert judged("T2", case, "2026-10-15T00:00:00") == Level.RED


def test_t2_does_not_count_the_time_suspended_against_the_step(accepted, act):
    case = accepted()  # 审查 from 29 September: five working days, to 12 October
    act("2026-09-30 10:00", services.case_suspend, case, "reviewer", days=10)
    act("2026-10-19 10:00", services.case_resume, case, "reviewer")

    # One working day used (30 September) before the suspension; four are left.
    assert judged("T2", case, "2026-10-19T10:00:01") is None


# S1 intake response: submitted and unanswered 1 working day (yellow), 5 working days (red) ---------


def test_s1_yellow_once_the_working_day_after_filing_has_ended(filed):
    case = filed("2026-09-29 10:00")

    # The working day after filing is 30 September; 1 October is a holiday, yet the day has passed.
    assert judged("S1", case, "2026-09-30T23:59:59") is None
    assert judged("S1", case, "2026-10-01T00:00:00") == Level.YELLOW


def test_s1_red_after_five_working_days(filed):
    case = filed("2026-09-29 10:00")

    # 30 Sep, 8, 9, 10 (Sat, worked), 12 October: by law the application now counts as accepted.
    assert judged("S1", case, "2026-10-12T23:59:59") == Level.YELLOW
    assert judged("S1", case, "2026-10-13T00:00:00") == Level.RED


def test_s1_a_friday_filing_waits_for_monday(filed):
    case = filed("2026-10-16 17:30")  # Friday

    assert judged("S1", case, "2026-10-19T23:59:59") is None
    assert judged("S1", case, "2026-10-20T00:00:00") == Level.YELLOW


def test_s1_the_intake_clock_starts_again_when_the_applicant_answers_a_supplement_request(filed, act):
    case = filed("2026-09-29 10:00")
    act("2026-09-29 15:00", services.case_request_supplement, case, "window_clerk", materials=[])
    # Away for two weeks: none of that is the department's time.
    act("2026-10-14 09:00", services.case_resubmit, case, "citizen")
    assert case.state == CaseState.SUBMITTED

    assert judged("S1", case, "2026-10-14T10:00:00") is None
    assert judged("S1", case, "2026-10-15T23:59:59") is None
    assert judged("S1", case, "2026-10-16T00:00:00") == Level.YELLOW
    # 15, 16, 19, 20, 21 October.
    assert judged("S1", case, "2026-10-21T23:59:59") == Level.YELLOW
    assert judged("S1", case, "2026-10-22T00:00:00") == Level.RED


# R1 returned file: each return (退件) or send-back (回退) yellow, twice or more red --------------------


def test_r1_yellow_at_the_first_return_red_at_the_second(accepted, act):
    case = accepted()
    assert judged("R1", case, "2026-10-08T09:59:59") is None

    act("2026-10-08 10:00", services.case_return, case, "reviewer")  # 退件 to the applicant
    assert judged("R1", case, "2026-10-08T10:00:01") == Level.YELLOW

    act("2026-10-09 09:00", services.case_resubmit, case, "citizen")
    act("2026-10-09 10:00", services.case_advance, case, "reviewer")  # on to 决定
    assert judged("R1", case, "2026-10-09T10:00:01") == Level.YELLOW

    act("2026-10-12 10:00", services.case_send_back, case, "approver")  # 回退 to 审查
    assert case.return_count == 2
    assert judged("R1", case, "2026-10-12T10:00:01") == Level.RED


# J1 refusal: each refusal yellow; one without a legal basis red ----------------------------------------


def test_j1_a_refusal_with_its_legal_basis_is_yellow_from_the_moment_it_is_made(filed, act):
    case = filed("2026-09-29 10:00")
    act(
        "2026-09-29 16:00",
        services.case_not_accept,
        case,
        "window_clerk",
        reason="不属于本机关职权",
        legal_basis="《行政许可法》第三十二条",
    )

    assert judged("J1", case, "2026-09-29T15:59:59") is None
    assert judged("J1", case, "2026-09-29T16:00:01") == Level.YELLOW


def test_j1_a_denial_is_a_refusal_too(accepted, act):
    case = accepted()
    act("2026-10-09 10:00", services.case_advance, case, "reviewer")
    act(
        "2026-10-12 10:00",
        services.case_deny,
        case,
        "approver",
        reason="不符合法定条件",
        legal_basis="《食品安全法》第三十五条",
    )

    assert judged("J1", case, "2026-10-12T09:59:59") is None
    assert judged("J1", case, "2026-10-12T10:00:01") == Level.YELLOW


def test_j1_a_refusal_without_legal_basis_is_red(filed, act):
    case = filed("2026-09-29 10:00")
    act("2026-09-29 16:00", services.case_not_accept, case, "window_clerk", reason="材料不全", legal_basis="无")
    # The services insist on a basis; a refusal recorded without one (an import, an old system) is red.
    Case.objects.filter(pk=case.pk).update(refusal_basis="")

    assert judged("J1", case, "2026-09-29T15:59:59") is None
    assert judged("J1", case, "2026-09-29T16:00:01") == Level.RED


# G1 one-time notification: a second supplement request on one case is red ------------------------------


def test_g1_red_at_the_second_supplement_request_not_the_first(filed, act):
    case = filed("2026-09-29 10:00")
    act("2026-09-29 11:00", services.case_request_supplement, case, "window_clerk", materials=[])
    assert judged("G1", case, "2026-09-29T11:00:01") is None

    act("2026-09-30 09:00", services.case_resubmit, case, "citizen")
    assert judged("G1", case, "2026-09-30T10:59:59") is None
    act("2026-09-30 11:00", services.case_request_supplement, case, "window_clerk", materials=[])
    assert case.supplement_count == 2
    assert judged("G1", case, "2026-09-30T11:00:01") == Level.RED


# H1 suspension: each suspension yellow; red past its expected working days ------------------------------


def test_h1_yellow_from_the_suspension(accepted, act):
    case = accepted()
    assert judged("H1", case, "2026-10-09T09:59:59") is None

    act("2026-10-09 10:00", services.case_suspend, case, "reviewer", days=3)
    assert judged("H1", case, "2026-10-09T10:00:01") == Level.YELLOW


def test_h1_red_once_the_expected_working_days_have_ended(accepted, act):
    case = accepted()
    act("2026-10-09 10:00", services.case_suspend, case, "reviewer", days=3)

    # Friday 9 October; 10 (Sat, worked), 12 and 13 October are the three days expected.
    assert judged("H1", case, "2026-10-13T23:59:59") == Level.YELLOW
    assert judged("H1", case, "2026-10-14T00:00:00") == Level.RED


# F1 fee: a fee charged for an item whose catalogue entry charges none is red -------------------------


@pytest.fixture
def decided(accepted, act):
    def decide() -> Case:
        case = accepted()
        act("2026-10-09 10:00", services.case_advance, case, "reviewer")
        return act("2026-10-12 10:00", services.case_approve, case, "approver")

    return decide


def test_f1_red_when_a_fee_is_charged_for_a_free_item(item, decided, act):
    assert item.fee_standard == ""
    case = decided()
    act("2026-10-13 10:00", services.case_conclude, case, "window_clerk", fee_charged=Decimal("50.00"))

    assert judged("F1", case, "2026-10-13T09:59:59") is None
    assert judged("F1", case, "2026-10-13T10:00:01") == Level.RED


def test_f1_no_alert_when_the_catalogue_charges_a_fee_or_nothing_is_charged(item, decided, act):
    free = decided()
    act("2026-10-13 10:00", services.case_conclude, free, "window_clerk", fee_charged=Decimal("0"))
    item.fee_standard = "工本费每证10元"
    item.save(update_fields=["fee_standard"])
    paid = decided()
    act("2026-10-13 10:00", services.case_conclude, paid, "window_clerk", fee_charged=Decimal("10.00"))

    assert judged("F1", free, "2026-10-13T10:00:01") is None
    assert judged("F1", paid, "2026-10-13T10:00:01") is None
