"""The reads behind the citizen's pages: the timeline in each kind of state, the tracking lookup,
the applicant's list with its unread counts."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from tests.factories import CitizenFactory
from tests.workflow.conftest import pdf_upload
from workflow.constants import CaseState
from workflow.models import Notification
from workflow.selectors.citizen import (
    Clock,
    applicant_cases,
    applicant_cases_with_unread,
    case_timeline,
    open_supplement_request,
    tracked_case,
)
from workflow.services import cases as services

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def statuses(timeline) -> list[tuple[str, str]]:
    return [(step.name, step.status) for step in timeline.steps]


def test_a_submitted_case_waits_for_intake_at_the_first_step(file_case):
    with translation.override("en"):
        timeline = case_timeline(file_case(), private=True)

    assert timeline.clock == Clock.INTAKE
    assert timeline.current_step.name == "受理"
    assert [step.name for step in timeline.steps_ahead] == ["审查", "决定", "送达"]
    assert timeline.deadline_at is None and timeline.working_days_left is None
    assert [event.action for event in timeline.events] == ["submit"]
    assert timeline.events[0].role == "Applicant"  # the citizen's own post, as the applicant reads it


def test_an_accepted_case_counts_the_working_days_left(file_case, staff, time_machine):
    time_machine.move_to(MONDAY, tick=False)
    case = file_case()
    services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")

    timeline = case_timeline(case, private=True, today=date(2026, 3, 9))

    assert timeline.clock == Clock.RUNNING
    assert timeline.deadline_at.date() == date(2026, 3, 16)
    assert timeline.working_days_left == 5  # 10, 11, 12, 13 and 16 March
    assert not timeline.is_overdue


def test_an_overdue_case_says_by_how_many_working_days(file_case, staff, time_machine):
    time_machine.move_to(MONDAY, tick=False)
    case = file_case()
    services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")

    timeline = case_timeline(case, private=True, today=date(2026, 3, 18))

    assert timeline.working_days_left == -2 and timeline.is_overdue and timeline.days_overdue == 2


def test_the_applicant_reads_opinions_and_pause_reasons_and_the_public_does_not(file_case, staff):
    case = file_case()
    services.case_accept(case=case, user=staff["window_clerk"], opinion="材料齐全")
    services.case_suspend(case=case, user=staff["reviewer"], opinion="组织听证", days=10)

    private = case_timeline(case, private=True)
    public = case_timeline(case, private=False)

    assert private.clock == public.clock == Clock.PAUSED
    assert [event.opinion for event in private.events][1:] == ["材料齐全", "组织听证"]
    assert all(event.opinion == "" for event in public.events)
    assert private.pauses[0].reason == "组织听证" and private.pauses[0].days == 10
    assert public.pauses[0].reason == "" and public.pauses[0].kind == "suspension"
    assert public.working_days_left is None


def test_the_timeline_names_posts_never_people(file_case, staff):
    case = file_case()
    services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")

    timeline = case_timeline(case, private=True)

    roles = {event.role for event in timeline.events}
    assert staff["window_clerk"].name not in roles
    assert not any(hasattr(event, "actor_name") for event in timeline.events)


def test_a_concluded_case_has_every_step_done(file_case, staff):
    case = file_case()
    services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")
    services.case_advance(case=case, user=staff["reviewer"], opinion="审查通过")
    services.case_approve(case=case, user=staff["approver"], opinion="准予许可")
    services.case_conclude(case=case, user=staff["window_clerk"], opinion="已送达")

    timeline = case_timeline(case, private=False)

    assert timeline.clock == Clock.STOPPED and not timeline.is_open
    assert {status for _name, status in statuses(timeline)} == {"done"}
    assert timeline.current_step is None and timeline.steps_ahead == []


def test_a_withdrawn_case_ends_at_its_step(file_case, citizen, staff):
    case = file_case()
    services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")
    services.case_withdraw(case=case, user=citizen)

    timeline = case_timeline(case, private=True)

    assert statuses(timeline) == [("受理", "done"), ("审查", "ended"), ("决定", "not_reached"), ("送达", "not_reached")]
    assert timeline.current_step is None


def test_a_case_not_accepted_ends_at_intake(file_case, staff):
    case = file_case()
    services.case_not_accept(
        case=case, user=staff["window_clerk"], reason="不属于本部门职权", legal_basis="《行政许可法》第三十二条"
    )

    timeline = case_timeline(case, private=True)

    assert timeline.state == CaseState.NOT_ACCEPTED
    assert statuses(timeline)[0] == ("受理", "ended")
    assert {status for _name, status in statuses(timeline)[1:]} == {"not_reached"}


def test_the_timeline_takes_a_fixed_number_of_queries(file_case, staff, django_assert_num_queries):
    case = file_case()
    services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")
    services.case_advance(case=case, user=staff["reviewer"], opinion="审查通过")
    case.refresh_from_db()
    case.item, case.department, case.step  # noqa: B018  (loaded by the view's query)

    with django_assert_num_queries(5):  # trail, pauses, steps, the calendar's holidays and complete years
        case_timeline(case, private=True)


def test_tracking_needs_the_number_and_its_own_query_code(file_case):
    case = file_case()
    other = file_case()

    assert tracked_case(case.number, case.query_code) == case
    assert tracked_case(f" {case.number} ", case.query_code.lower()) == case
    assert tracked_case(case.number, other.query_code) is None
    assert tracked_case("SP-19990101-000001", case.query_code) is None
    assert tracked_case(case.number, "") is None


def test_the_open_supplement_request_is_only_there_while_the_case_waits_for_it(file_case, staff, item, citizen):
    case = file_case()
    assert open_supplement_request(case) is None
    services.case_request_supplement(
        case=case, user=staff["window_clerk"], materials=list(item.materials.filter(required=True)), opinion="请补正"
    )

    request = open_supplement_request(case)
    assert [material.name for material in request.materials.all()] == ["申请书", "营业执照"]

    services.case_resubmit(
        case=case,
        user=citizen,
        uploads=[services.Upload(m, pdf_upload(f"{m.name}.pdf")) for m in item.materials.filter(required=True)],
    )
    assert open_supplement_request(case) is None


def test_the_applicants_list_has_only_their_cases_with_their_unread_count(file_case, citizen):
    mine = file_case()
    theirs = file_case(applicant=CitizenFactory())
    Notification.objects.filter(case=mine).update(read_at=MONDAY)
    file_case()

    cases = list(applicant_cases_with_unread(citizen))

    assert theirs not in cases and len(cases) == 2
    assert {case.number: case.unread for case in cases}[mine.number] == 0
    assert list(applicant_cases(CitizenFactory())) == []
