"""Handling an alert (督办): every transition, by every role, from every state, through the services.

Alerts come from the real sweep: a case filed on Monday and left unanswered is an S1 (intake
response) alert on Wednesday, of the case's department.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from supervision.constants import AlertState as A
from supervision.models import Alert, AlertEvent, SupervisionOrder
from supervision.services import alerts as services
from supervision.services.sweep import Finding, rule_sync, sweep
from tests.factories import StaffFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
FILED = datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)  # a Monday
SWEPT = datetime(2026, 3, 4, 10, tzinfo=SHANGHAI)  # Wednesday: one working day unanswered
DUE = date(2026, 3, 11)

# Where each action may be fired from (supervision.flows), its target, and who fires it.
SOURCES = {
    "acknowledge": {A.OPEN},
    "order": {A.OPEN, A.ACKNOWLEDGED, A.ESCALATED},
    "answer": {A.ORDERED},
    "escalate": {A.OPEN, A.ACKNOWLEDGED, A.ORDERED, A.ANSWERED},
    "close": {A.OPEN, A.ACKNOWLEDGED, A.ANSWERED, A.ESCALATED},
}
TARGETS = {
    "acknowledge": A.ACKNOWLEDGED,
    "order": A.ORDERED,
    "answer": A.ANSWERED,
    "escalate": A.ESCALATED,
    "close": A.CLOSED,
}
FIRED_BY = {
    "acknowledge": "inspector",
    "order": "inspector",
    "answer": "head",
    "escalate": "inspector",
    "close": "inspector",
}
ROLES = ["inspector", "head", "other_head", "clerk", "citizen"]


def texts(action: str) -> dict:
    return {
        "acknowledge": {"note": "正在核实受理情况"},
        "order": {"instructions": "请于期限内说明未及时受理的原因并整改", "due_date": DUE},
        "answer": {"answer": "已受理，窗口人员已批评教育"},
        "escalate": {"reason": "答复不实，提请纪委监委处理"},
        "close": {"conclusion": "整改到位，予以销号"},
    }[action]


def fire(action: str, alert: Alert, user) -> Alert:
    return services.SERVICES[action](alert=alert, user=user, **texts(action))


@pytest.fixture(autouse=True)
def english():
    """The messages are matched by their English msgids; the site's default language is Chinese."""
    with translation.override("en"):
        yield


@pytest.fixture
def now(time_machine):
    time_machine.move_to(SWEPT, tick=False)
    return SWEPT


@pytest.fixture
def case_alert(file_case, calendar_2025_2026, time_machine):
    """The S1 alert of a case filed on Monday and still unanswered on Wednesday, as the sweep raises it."""
    time_machine.move_to(FILED, tick=False)
    case = file_case()
    time_machine.move_to(SWEPT, tick=False)
    sweep(at=SWEPT)
    return Alert.objects.get(rule__code="S1", case=case)


@pytest.fixture
def people(staff, other_department, citizen):
    return {
        "inspector": UserFactory(role="inspector", username="inspector"),
        "head": staff["dept_head"],
        "other_head": StaffFactory(role="dept_head", department=other_department, username="zjj-head"),
        "clerk": staff["window_clerk"],
        "citizen": citizen,
    }


def bring_to(state: str, alert: Alert, people) -> Alert:
    """Move ``alert`` into ``state`` the way users would, through the services."""
    inspector, head = people["inspector"], people["head"]
    path = {
        A.OPEN: [],
        A.ACKNOWLEDGED: [("acknowledge", inspector)],
        A.ORDERED: [("order", inspector)],
        A.ANSWERED: [("order", inspector), ("answer", head)],
        A.ESCALATED: [("escalate", inspector)],
        A.CLOSED: [("close", inspector)],
    }[state]
    for action, user in path:
        fire(action, alert, user)
    assert alert.state == state
    return alert


ALLOWED = [(action, state) for action, states in SOURCES.items() for state in sorted(states)]
WRONG_STATE = [(action, state) for action in SOURCES for state in A.values if state not in SOURCES[action]]
FORBIDDEN = [(action, role) for action in SOURCES for role in ROLES if role != FIRED_BY[action]]


def test_the_sweep_raises_the_alert_of_the_unanswered_case(case_alert, department):
    assert (case_alert.state, case_alert.level, case_alert.department) == (A.OPEN, "yellow", department)
    assert list(case_alert.events.values_list("action", "to_state")) == [("raise", A.OPEN)]


@pytest.mark.parametrize(("action", "state"), ALLOWED)
def test_the_allowed_role_fires_the_action_and_it_enters_the_trail(action, state, case_alert, people, now):
    alert = bring_to(state, case_alert, people)
    user = people[FIRED_BY[action]]

    fire(action, alert, user)

    assert alert.state == TARGETS[action]
    event = alert.events.order_by("-pk").first()
    note = next(value for value in texts(action).values() if isinstance(value, str))
    assert (event.actor, event.action, event.from_state, event.to_state, event.note) == (
        user,
        action,
        state,
        TARGETS[action],
        note,
    )


@pytest.mark.parametrize(("action", "state"), WRONG_STATE)
def test_the_allowed_role_is_refused_in_a_wrong_state_and_nothing_changes(action, state, case_alert, people, now):
    alert = bring_to(state, case_alert, people)
    events = alert.events.count()

    with pytest.raises(ValidationError, match="cannot be done now"):
        fire(action, alert, people[FIRED_BY[action]])

    alert.refresh_from_db()
    assert (alert.state, alert.events.count()) == (state, events)


@pytest.mark.parametrize(("action", "role"), FORBIDDEN)
def test_any_other_role_is_denied_in_a_state_the_action_is_allowed_from(action, role, case_alert, people, now):
    state = sorted(SOURCES[action])[0]
    alert = bring_to(state, case_alert, people)
    events = alert.events.count()

    with pytest.raises(PermissionDenied):
        fire(action, alert, people[role])

    alert.refresh_from_db()
    assert (alert.state, alert.events.count()) == (state, events)


@pytest.mark.parametrize("role", ["clerk", "citizen", "other_head"])
def test_someone_with_no_part_in_the_alert_is_denied_before_its_state_is_judged(role, case_alert, people, now):
    alert = bring_to(A.CLOSED, case_alert, people)

    with pytest.raises(PermissionDenied):
        fire("close", alert, people[role])


def test_an_order_goes_to_the_alert_s_department_with_its_instructions_and_due_date(case_alert, people, now):
    services.alert_order(alert=case_alert, user=people["inspector"], instructions="请说明原因", due_date=DUE)

    order = SupervisionOrder.objects.get(alert=case_alert)
    assert (order.department_id, order.instructions, order.due_date, order.issued_by) == (
        case_alert.department_id,
        "请说明原因",
        DUE,
        people["inspector"],
    )
    assert order.answered_at is None


def test_the_head_s_answer_is_written_into_the_open_order(case_alert, people, now):
    bring_to(A.ORDERED, case_alert, people)

    services.alert_answer(alert=case_alert, user=people["head"], answer="已整改")

    order = case_alert.orders.get()
    assert (order.answer, order.answered_by, order.answered_at) == ("已整改", people["head"], now)


def test_after_an_escalation_the_answer_goes_to_the_order_issued_again(case_alert, people, now):
    inspector = people["inspector"]
    bring_to(A.ANSWERED, case_alert, people)
    services.alert_escalate(alert=case_alert, user=inspector, reason="答复不实")
    services.alert_order(alert=case_alert, user=inspector, instructions="重新说明", due_date=DUE)

    services.alert_answer(alert=case_alert, user=people["head"], answer="第二次答复")

    first, second = case_alert.orders.order_by("pk")
    assert (first.answer, second.answer) == (texts("answer")["answer"], "第二次答复")


def test_closing_records_when(case_alert, people, now):
    services.alert_close(alert=case_alert, user=people["inspector"], conclusion="核实无误")

    assert (case_alert.state, case_alert.closed_at) == (A.CLOSED, now)


@pytest.mark.parametrize(
    ("action", "kwargs", "message"),
    [
        ("acknowledge", {"note": "  "}, "Write a note"),
        ("order", {"instructions": "", "due_date": DUE}, "instructions"),
        ("escalate", {"reason": ""}, "reason"),
        ("close", {"conclusion": "\n"}, "conclusion"),
    ],
)
def test_every_action_needs_its_text(action, kwargs, message, case_alert, people, now):
    with pytest.raises(ValidationError, match=message):
        services.SERVICES[action](alert=case_alert, user=people["inspector"], **kwargs)

    case_alert.refresh_from_db()
    assert (case_alert.state, case_alert.events.count()) == (A.OPEN, 1)


def test_an_answer_needs_its_text(case_alert, people, now):
    bring_to(A.ORDERED, case_alert, people)

    with pytest.raises(ValidationError, match="answer"):
        services.alert_answer(alert=case_alert, user=people["head"], answer="")

    assert case_alert.orders.get().answered_at is None


@pytest.mark.parametrize("due", [SWEPT.date(), SWEPT.date() - timedelta(days=1)])
def test_an_order_must_be_due_after_today(due, case_alert, people, now):
    with pytest.raises(ValidationError, match="after today"):
        services.alert_order(alert=case_alert, user=people["inspector"], instructions="说明", due_date=due)

    assert not SupervisionOrder.objects.exists()


def test_an_alert_of_no_department_cannot_be_ordered(people, now):
    rule_sync(code="V1", subject="camera", findings=[Finding(subject_id=7, level="red")], at=now)
    alert = Alert.objects.get(rule__code="V1")

    with pytest.raises(ValidationError, match="no department"):
        services.alert_order(alert=alert, user=people["inspector"], instructions="说明", due_date=DUE)

    alert.refresh_from_db()
    assert (alert.state, SupervisionOrder.objects.count()) == (A.OPEN, 0)


def test_an_alert_the_inspector_closed_is_not_raised_again_by_the_next_sweep(case_alert, people, now):
    services.alert_close(alert=case_alert, user=people["inspector"], conclusion="已电话督促受理")

    sweep(at=now + timedelta(minutes=1))

    assert not Alert.objects.open().filter(rule__code="S1", case=case_alert.case).exists()


def test_a_page_out_of_date_acts_on_the_current_state(case_alert, people, now):
    stale = Alert.objects.get(pk=case_alert.pk)
    services.alert_close(alert=case_alert, user=people["inspector"], conclusion="销号")

    with pytest.raises(ValidationError, match="cannot be done now"):
        services.alert_acknowledge(alert=stale, user=people["inspector"], note="签收")

    assert AlertEvent.objects.filter(alert=case_alert, action="acknowledge").count() == 0


def test_the_order_is_logged_once_committed(case_alert, people, now, django_capture_on_commit_callbacks, caplog):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, caplog.at_level("INFO"):
        services.alert_order(alert=case_alert, user=people["inspector"], instructions="说明", due_date=DUE)

    assert len(callbacks) == 1
    assert "supervision_order_issued" in caplog.text
