"""The sweep turns findings into alerts idempotently: one open alert per rule and subject, escalated in
place, closed (and kept) when its condition clears unless an inspector has taken it up, never raised
again at a level an inspector closed while the condition held (DESIGN.md §5)."""

from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from supervision.constants import AlertState, Level, Subject
from supervision.models import Alert, AlertEvent, Rule
from supervision.services.sweep import Changes, Finding, rule_sync, sweep
from tests.factories import UserFactory
from tests.supervision.test_rules import accepting, acting, at, filing
from workflow.models import Case
from workflow.services import cases as services


def supervise(moment: str, *codes: str) -> str:
    options = [option for code in codes for option in ("--rule", code)]
    out = StringIO()
    call_command("supervise", "--once", "--at", moment, *options, stdout=out)
    return out.getvalue()


def alerts_of(code: str, case: Case) -> list[Alert]:
    return list(Alert.objects.filter(rule__code=code, subject=Subject.CASE, subject_id=case.pk).order_by("pk"))


def events_of(alert: Alert) -> list[tuple[str, str, str]]:
    return list(alert.events.order_by("at", "pk").values_list("action", "from_state", "to_state"))


def snapshot() -> tuple:
    alerts = Alert.objects.order_by("pk").values_list(
        "pk", "rule__code", "subject_id", "level", "state", "escalated_at", "cleared_at", "closed_at"
    )
    return list(alerts), AlertEvent.objects.count()


@pytest.fixture
def act(staff, citizen):
    return acting(staff, citizen)


@pytest.fixture
def filed(file_case, calendar_2025_2026):
    return filing(file_case)


@pytest.fixture
def accepted(filed, act):
    return accepting(filed, act)


@pytest.fixture
def inspector(db):
    return UserFactory(role="inspector", username="inspector")


@pytest.fixture
def busy(filed, accepted, act):
    """A case of each kind the case rules find, as of 20 October 2026."""
    overdue = accepted()  # T1 and T2 red on 20 October
    unanswered = filed("2026-10-12 10:00")  # S1 yellow
    suspended = accepted()
    act("2026-10-16 10:00", services.case_suspend, suspended, "reviewer", days=1)  # H1 red
    returned = accepted()
    act("2026-10-09 10:00", services.case_return, returned, "reviewer")  # R1 yellow
    refused = filed("2026-10-12 10:00")
    act(
        "2026-10-12 11:00",
        services.case_not_accept,
        refused,
        "window_clerk",
        reason="不属于本机关",
        legal_basis="第三十二条",
    )
    return {
        "overdue": overdue,
        "unanswered": unanswered,
        "suspended": suspended,
        "returned": returned,
        "refused": refused,
    }


# Idempotence ---------------------------------------------------------------------------------------


def test_a_second_sweep_at_the_same_moment_creates_nothing(busy):
    supervise("2026-10-20T10:00:00")
    first = snapshot()
    assert {code for _pk, code, *_rest in first[0]} == {"T1", "T2", "S1", "H1", "R1", "J1"}
    assert first[1] == len(first[0])  # one "raise" each

    output = supervise("2026-10-20T10:00:00")

    assert snapshot() == first
    assert all(line.endswith("raised 0, turned red 0, cleared 0") for line in output.splitlines())


def test_a_later_sweep_with_nothing_changed_creates_nothing_either(busy):
    supervise("2026-10-20T10:00:00")
    first = snapshot()

    supervise("2026-10-20T10:01:00")

    assert snapshot() == first


def test_the_sweep_reports_what_it_changed_per_rule(busy):
    results = sweep(at=at("2026-10-20 10:00"))

    # The suspended and the returned case run no clock: only the overdue one is late.
    assert results["T1"] == Changes(raised=1, escalated=0, cleared=0)
    assert results["R1"] == Changes(raised=1)
    assert results["G1"] == Changes()


# Clearing ------------------------------------------------------------------------------------------


def assert_cleared(alert: Alert, moment: str, from_state: str = AlertState.OPEN) -> None:
    alert.refresh_from_db()
    assert (alert.state, alert.cleared_at, alert.closed_at) == (AlertState.CLOSED, at(moment), at(moment))
    assert events_of(alert)[-1] == ("clear", from_state, AlertState.CLOSED)


def test_a_late_case_concluded_closes_its_alert_and_keeps_it(accepted, act):
    case = accepted()
    supervise("2026-10-20T10:00:00", "T1")
    [alert] = alerts_of("T1", case)
    assert alert.level == Level.RED
    act("2026-10-20 11:00", services.case_advance, case, "reviewer")
    act("2026-10-20 12:00", services.case_approve, case, "approver")
    act("2026-10-20 13:00", services.case_conclude, case, "window_clerk")

    output = supervise("2026-10-20T14:00:00", "T1")

    assert output.strip() == "T1: raised 0, turned red 0, cleared 1"
    assert alerts_of("T1", case) == [alert]
    assert_cleared(alert, "2026-10-20T14:00:00")
    assert alert.level == Level.RED  # the history stays as it was
    assert events_of(alert) == [("raise", "", AlertState.OPEN), ("clear", AlertState.OPEN, AlertState.CLOSED)]


def test_a_resumed_case_closes_its_suspension_alert(accepted, act):
    case = accepted()
    act("2026-10-09 10:00", services.case_suspend, case, "reviewer", days=3)
    supervise("2026-10-09T10:00:01", "H1")
    [alert] = alerts_of("H1", case)
    act("2026-10-12 10:00", services.case_resume, case, "reviewer")

    supervise("2026-10-12T10:00:01", "H1")

    assert_cleared(alert, "2026-10-12T10:00:01")


def test_an_answered_application_closes_its_intake_alert(filed, act):
    case = filed("2026-09-29 10:00")
    supervise("2026-10-08T09:00:00", "S1")
    [alert] = alerts_of("S1", case)
    act("2026-10-08 10:00", services.case_accept, case, "window_clerk")

    supervise("2026-10-08T10:00:01", "S1")

    assert_cleared(alert, "2026-10-08T10:00:01")


def test_a_case_moved_on_to_its_next_step_closes_its_step_alert(accepted, act):
    case = accepted()
    supervise("2026-10-13T09:00:00", "T2")
    [alert] = alerts_of("T2", case)
    act("2026-10-13 10:00", services.case_advance, case, "reviewer")

    supervise("2026-10-13T10:00:01", "T2")

    assert_cleared(alert, "2026-10-13T10:00:01")


def test_an_event_rule_does_not_clear_its_alert_when_the_case_moves_on(accepted, act):
    case = accepted()
    act("2026-10-08 10:00", services.case_return, case, "reviewer")
    supervise("2026-10-08T10:00:01", "R1")
    act("2026-10-09 10:00", services.case_resubmit, case, "citizen")

    supervise("2026-10-09T10:00:01", "R1")

    [alert] = alerts_of("R1", case)
    assert (alert.state, alert.cleared_at) == (AlertState.OPEN, None)


# Escalation ------------------------------------------------------------------------------------------


def test_a_yellow_that_turns_red_is_the_same_alert(accepted):
    case = accepted()
    supervise("2026-10-15T09:00:00", "T1")
    [yellow] = alerts_of("T1", case)
    assert (yellow.level, yellow.escalated_at) == (Level.YELLOW, None)

    output = supervise("2026-10-20T00:00:01", "T1")

    assert output.strip() == "T1: raised 0, turned red 1, cleared 0"
    [red] = alerts_of("T1", case)
    assert red.pk == yellow.pk
    assert (red.level, red.state, red.escalated_at, red.raised_at) == (
        Level.RED,
        AlertState.OPEN,
        at("2026-10-20T00:00:01"),
        at("2026-10-15T09:00:00"),
    )
    assert events_of(red) == [("raise", "", AlertState.OPEN), ("turn_red", "", "")]
    # Once red, nothing more happens.
    supervise("2026-10-21T09:00:00", "T1")
    assert events_of(red) == [("raise", "", AlertState.OPEN), ("turn_red", "", "")]


# Alerts inspectors have handled --------------------------------------------------------------------


def take_up(alert: Alert, inspector, moment: str, *, order: bool) -> None:
    from supervision.services.alerts import alert_acknowledge, alert_order

    with time_machine.travel(at(moment), tick=False):
        alert_acknowledge(alert=alert, user=inspector, note="核查办件超期原因")
        if order:
            alert_order(alert=alert, user=inspector, instructions="说明超期原因并整改", due_date=date(2026, 10, 30))


def test_an_ordered_alert_is_not_closed_by_the_sweep_but_gets_cleared_at(accepted, act, inspector):
    case = accepted()
    supervise("2026-10-20T09:00:00", "T1")
    [alert] = alerts_of("T1", case)
    take_up(alert, inspector, "2026-10-20 09:30", order=True)
    act("2026-10-20 11:00", services.case_advance, case, "reviewer")
    act("2026-10-20 12:00", services.case_approve, case, "approver")

    output = supervise("2026-10-20T14:00:00", "T1")

    assert output.strip() == "T1: raised 0, turned red 0, cleared 0"
    alert.refresh_from_db()
    assert (alert.state, alert.cleared_at, alert.closed_at) == (AlertState.ORDERED, at("2026-10-20T14:00"), None)
    assert [action for action, *_states in events_of(alert)] == ["raise", "acknowledge", "order"]
    # Noted once: a later sweep leaves the time the condition cleared as it was.
    supervise("2026-10-21T14:00:00", "T1")
    alert.refresh_from_db()
    assert alert.cleared_at == at("2026-10-20T14:00")


def test_an_acknowledged_alert_is_still_closed_by_the_sweep(accepted, act, inspector):
    case = accepted()
    supervise("2026-10-20T09:00:00", "T1")
    [alert] = alerts_of("T1", case)
    take_up(alert, inspector, "2026-10-20 09:30", order=False)
    act("2026-10-20 11:00", services.case_advance, case, "reviewer")
    act("2026-10-20 12:00", services.case_approve, case, "approver")

    supervise("2026-10-20T14:00:00", "T1")

    assert_cleared(alert, "2026-10-20T14:00:00", from_state=AlertState.ACKNOWLEDGED)


def close_by_hand(alert: Alert, inspector, moment: str) -> None:
    from supervision.services.alerts import alert_close

    with time_machine.travel(at(moment), tick=False):
        alert_close(alert=alert, user=inspector, conclusion="已核实，系申请人原因，不予追究")


def test_an_alert_closed_by_hand_while_its_condition_holds_is_not_raised_again_at_that_level(accepted, inspector):
    case = accepted()
    supervise("2026-10-15T09:00:00", "T1")
    [yellow] = alerts_of("T1", case)
    close_by_hand(yellow, inspector, "2026-10-15 10:00")

    supervise("2026-10-15T10:01:00", "T1")
    supervise("2026-10-19T10:00:00", "T1")

    assert alerts_of("T1", case) == [yellow]
    yellow.refresh_from_db()
    assert (yellow.state, yellow.cleared_at) == (AlertState.CLOSED, None)

    # Red is another matter: the deadline has passed since.
    supervise("2026-10-20T00:00:01", "T1")
    [_yellow, red] = alerts_of("T1", case)
    assert (red.level, red.state, red.raised_at) == (Level.RED, AlertState.OPEN, at("2026-10-20T00:00:01"))


def test_a_new_occurrence_is_raised_once_the_condition_an_inspector_closed_has_cleared(accepted, act, inspector):
    case = accepted()
    act("2026-10-09 10:00", services.case_suspend, case, "reviewer", days=3)
    supervise("2026-10-09T10:00:01", "H1")
    [first] = alerts_of("H1", case)
    close_by_hand(first, inspector, "2026-10-09 11:00")
    act("2026-10-12 10:00", services.case_resume, case, "reviewer")
    supervise("2026-10-12T10:00:01", "H1")
    first.refresh_from_db()
    assert (first.state, first.cleared_at) == (AlertState.CLOSED, at("2026-10-12T10:00:01"))

    # A second suspension is a new condition, not the one the inspector closed.
    act("2026-10-14 10:00", services.case_suspend, case, "reviewer", days=2)
    supervise("2026-10-14T10:00:01", "H1")

    [_first, second] = alerts_of("H1", case)
    assert (second.level, second.state) == (Level.YELLOW, AlertState.OPEN)


# Findings reported by other apps ---------------------------------------------------------------------


CAMERA = 7


def camera_alerts() -> list[Alert]:
    return list(Alert.objects.filter(rule__code="V1", subject=Subject.CAMERA, subject_id=CAMERA).order_by("pk"))


def test_rule_sync_raises_turns_red_and_clears(department):
    yellow = [Finding(subject_id=CAMERA, level=Level.YELLOW, department_id=department.pk, detail="大厅 3 号窗口")]
    red = [Finding(subject_id=CAMERA, level=Level.RED, department_id=department.pk, detail="大厅 3 号窗口")]

    assert rule_sync(code="V1", subject=Subject.CAMERA, findings=yellow, at=at("2026-10-12 09:00")) == Changes(raised=1)
    assert rule_sync(code="V1", subject=Subject.CAMERA, findings=yellow, at=at("2026-10-12 09:01")) == Changes()
    [alert] = camera_alerts()
    assert (alert.level, alert.department, alert.detail, alert.case) == (
        Level.YELLOW,
        department,
        "大厅 3 号窗口",
        None,
    )

    assert rule_sync(code="V1", subject=Subject.CAMERA, findings=red, at=at("2026-10-12 09:30")) == Changes(escalated=1)
    assert rule_sync(code="V1", subject=Subject.CAMERA, findings=red, at=at("2026-10-12 09:31")) == Changes()
    assert rule_sync(code="V1", subject=Subject.CAMERA, findings=[], at=at("2026-10-12 10:00")) == Changes(cleared=1)

    assert camera_alerts() == [alert]
    alert.refresh_from_db()
    assert (alert.level, alert.escalated_at) == (Level.RED, at("2026-10-12 09:30"))
    assert_cleared(alert, "2026-10-12T10:00:00")
    assert [action for action, *_states in events_of(alert)] == ["raise", "turn_red", "clear"]

    # Offline again later: a new alert.
    rule_sync(code="V1", subject=Subject.CAMERA, findings=yellow, at=at("2026-10-12 11:00"))
    assert len(camera_alerts()) == 2


def test_rule_sync_leaves_other_subjects_alone(department):
    other = Finding(subject_id=CAMERA + 1, level=Level.YELLOW, department_id=department.pk)
    rule_sync(code="V1", subject=Subject.CAMERA, findings=[other], at=at("2026-10-12 09:00"))

    changes = rule_sync(
        code="V1", subject=Subject.CAMERA, findings=[other, Finding(CAMERA, Level.RED)], at=at("2026-10-12 09:01")
    )

    assert changes == Changes(raised=1)
    assert Alert.objects.open().filter(rule__code="V1").count() == 2


def test_rule_sync_of_a_disabled_rule_does_nothing(db):
    Rule.objects.filter(code="X1").update(enabled=False)

    changes = rule_sync(
        code="X1", subject=Subject.EXCHANGE, findings=[Finding(1, Level.RED)], at=at("2026-10-12 09:00")
    )

    assert changes == Changes()
    assert not Alert.objects.exists()


# Rules switched off, and the command ----------------------------------------------------------------


def test_a_disabled_rule_does_nothing(busy):
    Rule.objects.filter(code__in=["T1", "T2"]).update(enabled=False)

    output = supervise("2026-10-20T10:00:00")
    output += supervise("2026-10-20T10:01:00", "T1")

    assert "T1" not in output and "T2" not in output
    assert not Alert.objects.filter(rule__code__in=["T1", "T2"]).exists()
    assert Alert.objects.filter(rule__code="S1").exists()


@pytest.mark.parametrize("moment", ["2026-13-01", "yesterday", "2026-10-20 25:00"])
def test_supervise_with_a_bad_date_says_so(db, moment):
    with pytest.raises(CommandError, match=f"--at '{moment}' is not an ISO-8601 date-time"):
        call_command("supervise", "--once", "--at", moment)

    assert not Alert.objects.exists()


def test_supervise_judges_a_moment_without_offset_in_local_time(accepted):
    case = accepted()

    supervise("2026-10-20T00:00:01", "T1")  # Shanghai: 19 October 16:00:01 UTC

    [alert] = alerts_of("T1", case)
    assert alert.raised_at == at("2026-10-20T00:00:01")
    supervise("2026-10-19T16:00:02+00:00", "T1")
    assert alerts_of("T1", case) == [alert]
