"""Transitions racing on the same cases in real threads, as gunicorn's gthread workers run views
and Celery's threads pool runs tasks: never an error, exactly one winner per case, and the loser
told why in Chinese.

django-fsm lifts a protected state field's flag for the whole class while one instance reloads;
a transition in another thread then failed with "Direct state modification is not allowed", and
the winning action was rolled back with it.
"""

import functools
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from supervision.models import Alert
from supervision.services.alerts import alert_acknowledge
from supervision.services.sweep import sweep
from tests.factories import StaffFactory, UserFactory
from workflow.constants import CaseState
from workflow.models import Case, PenaltyCase
from workflow.services import cases as services

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite has no row locks and its test database is not shared by threads: "
        "racing transitions need PostgreSQL",
    ),
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
FILED = datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)  # a Monday
SWEPT = datetime(2026, 3, 4, 10, tzinfo=SHANGHAI)  # Wednesday: one working day unanswered
CASES = 30
THREADS = 8  # the other engineers' tests share the server's connections


def _race(calls) -> list:
    """Run ``calls`` (functions of no argument) on a pool of threads, all released at once;
    what each returned or raised, in order."""
    start = threading.Barrier(min(THREADS, len(calls)))

    def run(call):
        try:
            try:
                start.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass  # the last few calls of an uneven batch start alone
            return call()
        except Exception as error:  # noqa: BLE001 - what the race raised is the result
            return error
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(run, calls))


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _decided(case: Case) -> list[str]:
    """The actions after filing that reached the case's trail."""
    return list(case.trail.exclude(action="submit").order_by("seq").values_list("action", flat=True))


def _post_as(user, url: str, data: dict):
    """POST in this thread as ``user``, as one of gunicorn's threads serves it; the response."""

    def post():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        response = client.post(url, data)
        return response.status_code, _messages(response)

    return post


def test_clerks_and_applicants_racing_over_http_leave_one_winner_per_case(file_case, staff, citizen, department):
    second_clerk = StaffFactory(role="window_clerk", department=department, username="sjj-window_clerk-2")
    filed = [file_case() for _ in range(CASES)]
    calls, contenders = [], {}
    for case in filed:
        accept = reverse("workflow:workbench_transition", kwargs={"number": case.number, "action": "accept"})
        withdraw = reverse("workflow:withdraw", kwargs={"number": case.number})
        race = [
            _post_as(staff["window_clerk"], accept, {"opinion": "材料齐全，予以受理", "revision": case.revision}),
            _post_as(citizen, withdraw, {"revision": case.revision, "confirm": "on", "reason": "不再需要"}),
            _post_as(second_clerk, accept, {"opinion": "受理", "revision": case.revision}),
        ]
        contenders[case.number] = (len(calls), len(race))
        calls.extend(race)

    results = _race(calls)

    assert [result for result in results if not isinstance(result, tuple)] == []
    assert [status for status, _ in results if status != 302] == []
    for case in Case.objects.filter(pk__in=[case.pk for case in filed]):
        first, count = contenders[case.number]
        told = [messages for _, messages in results[first : first + count]]
        assert len(_decided(case)) == 1, case.number
        assert case.state == {"accept": CaseState.ACCEPTED, "withdraw": CaseState.WITHDRAWN}[_decided(case)[0]]
        assert case.revision == 1
        refused = [messages for messages in told if any("他人办理" in message for message in messages)]
        assert len(refused) == count - 1, told


def test_racing_services_in_worker_threads_leave_one_winner_per_case(file_case, staff, citizen, department):
    """As Celery's threads pool runs them: each task loads its own case by id and calls the service."""
    second_clerk = StaffFactory(role="window_clerk", department=department, username="sjj-window_clerk-2")
    filed = [file_case() for _ in range(CASES)]

    def task(service, pk: int, **kwargs):
        def run():
            case = Case.objects.get(pk=pk)
            try:
                service(case=case, revision=0, **kwargs)
            except ValidationError as refused:
                return refused.messages
            return case.state

        return run

    calls = []
    for case in filed:
        calls += [
            task(services.case_accept, case.pk, user=staff["window_clerk"], opinion="受理"),
            task(services.case_withdraw, case.pk, user=citizen, opinion="不再需要"),
            task(services.case_accept, case.pk, user=second_clerk, opinion="受理"),
        ]

    results = _race(calls)

    assert [result for result in results if isinstance(result, Exception)] == []
    for index, case in enumerate(Case.objects.filter(pk__in=[case.pk for case in filed]).order_by("pk")):
        outcomes = results[index * 3 : index * 3 + 3]
        winners = [outcome for outcome in outcomes if isinstance(outcome, str)]
        assert winners == [case.state], outcomes
        assert len(_decided(case)) == 1
        assert all("他人办理" in outcome[0] for outcome in outcomes if isinstance(outcome, list))


def test_officers_racing_over_a_clue_leave_one_decision_per_case(open_clue, enforcers, department):
    """立案 against 不予立案 on the same clue, over HTTP: the refused page reloads the case."""
    second_officer = StaffFactory(role="law_enforcer", department=department, username="sjj-officer-2")
    clues = [open_clue() for _ in range(CASES)]
    calls = []
    for clue in clues:
        url = functools.partial(reverse, "workflow:penalty_transition")
        calls += [
            _post_as(
                enforcers["officer"],
                url(kwargs={"number": clue.number, "action": "register"}),
                {"opinion": "符合立案条件", "revision": clue.revision},
            ),
            _post_as(
                second_officer,
                url(kwargs={"number": clue.number, "action": "not_register"}),
                {"reason": "违法事实不成立", "revision": clue.revision},
            ),
        ]

    results = _race(calls)

    assert [result for result in results if not isinstance(result, tuple)] == []
    assert [status for status, _ in results if status != 302] == []
    for clue, index in zip(clues, range(0, len(results), 2), strict=True):
        case = PenaltyCase.objects.get(pk=clue.pk)
        decided = list(case.trail.exclude(action="receive").values_list("action", "to_state"))
        assert len(decided) == 1 and decided[0][1] == case.state, decided
        told = [messages for _, messages in results[index : index + 2]]
        assert sum(any("他人办理" in message for message in messages) for messages in told) == 1, told


def test_racing_alert_acknowledgements_leave_one_winner_per_alert(file_case, calendar_2025_2026, time_machine):
    time_machine.move_to(FILED, tick=False)
    filed = [file_case() for _ in range(CASES)]
    time_machine.move_to(SWEPT, tick=False)
    sweep(at=SWEPT)  # every case unanswered for a working day: an S1 alert each
    alerts = list(Alert.objects.filter(rule__code="S1", case__in=filed))
    inspectors = [UserFactory(role="inspector", username=f"inspector-{n}") for n in range(2)]

    def acknowledge(pk: int, inspector):
        def run():
            alert = Alert.objects.get(pk=pk)
            try:
                alert_acknowledge(alert=alert, user=inspector, note="核查中")
            except ValidationError as refused:
                return refused.messages
            return alert.state

        return run

    results = _race([acknowledge(alert.pk, inspector) for alert in alerts for inspector in inspectors])

    assert len(alerts) == CASES
    assert [result for result in results if isinstance(result, Exception)] == []
    for alert, index in zip(alerts, range(0, len(results), 2), strict=True):
        alert.refresh_from_db()
        outcomes = results[index : index + 2]
        assert [outcome for outcome in outcomes if isinstance(outcome, str)] == [alert.state], outcomes
        assert alert.events.filter(action="acknowledge").count() == 1
