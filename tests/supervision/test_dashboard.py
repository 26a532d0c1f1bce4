"""The inspectors' dashboard, an alert's page with its actions, and the orders awaiting an answer.

Alerts come from the real sweep (an unanswered case: S1) and from ``rule_sync``, as the video
module reports cameras (V1) and the exchange its backlog (X1).
"""

import json
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from supervision.constants import AlertState as A
from supervision.models import Alert
from supervision.selectors.dashboard import PAGE_SIZE
from supervision.services import alerts as services
from supervision.services.sweep import Finding, rule_sync, sweep
from tests.factories import StaffFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
FILED = datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)  # a Monday
NOW = datetime(2026, 3, 4, 10, tzinfo=SHANGHAI)  # the case has waited one working day: S1 yellow
DASHBOARD = "/supervision/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def inspector(db):
    return UserFactory(role="inspector", username="inspector")


@pytest.fixture
def head(staff):
    return staff["dept_head"]


@pytest.fixture
def other_head(other_department):
    return StaffFactory(role="dept_head", department=other_department, username="zjj-head")


@pytest.fixture
def case_alert(file_case, calendar_2025_2026, time_machine):
    """S1 (yellow) on a case of ``department``, raised by the sweep at NOW; the clock stays at NOW."""
    time_machine.move_to(FILED, tick=False)
    case = file_case()
    time_machine.move_to(NOW, tick=False)
    sweep(at=NOW)
    return Alert.objects.get(rule__code="S1", case=case)


def cameras(findings: list[Finding], at: datetime = NOW) -> None:
    """The video module's report: every camera that is offline now (V1)."""
    rule_sync(code="V1", subject="camera", findings=findings, at=at)


@pytest.fixture
def board(case_alert, department, other_department, time_machine):
    """Open alerts of two departments: S1 yellow (the case, at NOW), and cameras:
    1 yellow of ``department`` two days ago, 2 red of ``other_department`` yesterday,
    3 red of ``department`` three hours ago."""
    two_days_ago, yesterday, hours_ago = NOW - timedelta(days=2), NOW - timedelta(days=1), NOW - timedelta(hours=3)
    first = [Finding(1, "yellow", department.pk)]
    cameras(first, at=two_days_ago)
    second = [*first, Finding(2, "red", other_department.pk)]
    cameras(second, at=yesterday)
    cameras([*second, Finding(3, "red", department.pk)], at=hours_ago)
    time_machine.move_to(NOW, tick=False)
    return {
        "S1": case_alert,
        **{f"cam{n}": Alert.objects.get(rule__code="V1", subject_id=n) for n in (1, 2, 3)},
    }


def rows(response) -> list[int]:
    return [alert.pk for alert in response.context["page_obj"].object_list]


# Who may come in -----------------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("role", ["window_clerk", "reviewer", "approver"])
def test_case_staff_other_than_heads_are_refused(role, client, staff):
    client.force_login(staff[role])

    for url in [DASHBOARD, "/supervision/orders/"]:
        assert client.get(url).status_code == 403


def test_a_citizen_is_refused(client, citizen):
    client.force_login(citizen)

    assert client.get(DASHBOARD).status_code == 403


# Counts, order, filters ----------------------------------------------------------------------------


def test_the_inspector_sees_red_and_yellow_counts_by_department_and_by_rule(
    client, inspector, board, department, other_department
):
    client.force_login(inspector)

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    counts = response.context["counts"]
    assert (counts.red, counts.yellow) == (2, 2)
    assert [(t.key, t.red, t.yellow) for t in counts.departments] == [
        (department.pk, 1, 2),
        (other_department.pk, 1, 0),
    ]
    assert [(t.key, t.red, t.yellow) for t in counts.rules] == [("S1", 0, 1), ("V1", 2, 1)]
    assert 'data-testid="open-red">2<' in response.content.decode()


def test_the_list_puts_red_before_yellow_and_the_oldest_first(client, inspector, board):
    client.force_login(inspector)

    response = client.get(DASHBOARD)

    assert rows(response) == [board[key].pk for key in ("cam2", "cam3", "cam1", "S1")]


def test_a_yellow_that_turns_red_moves_up_keeping_its_age(client, inspector, board, department, other_department):
    cameras(
        [Finding(1, "red", department.pk), Finding(2, "red", other_department.pk), Finding(3, "red", department.pk)]
    )
    client.force_login(inspector)

    response = client.get(DASHBOARD)

    assert rows(response)[:3] == [board[key].pk for key in ("cam1", "cam2", "cam3")]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("level=red", ["cam2", "cam3"]),
        ("level=yellow", ["cam1", "S1"]),
        ("rule=S1", ["S1"]),
        ("rule=V1&level=yellow", ["cam1"]),
        ("state=acknowledged", ["cam3"]),
    ],
)
def test_the_filters(query, expected, client, inspector, board):
    services.alert_acknowledge(alert=board["cam3"], user=inspector, note="已通知大厅管理员")
    client.force_login(inspector)

    response = client.get(f"{DASHBOARD}?{query}")

    assert rows(response) == [board[key].pk for key in expected]
    assert response.context["page_obj"].paginator.count == len(expected)


def test_the_department_filter(client, inspector, board, other_department):
    client.force_login(inspector)

    response = client.get(f"{DASHBOARD}?department={other_department.pk}")

    assert rows(response) == [board["cam2"].pk]
    assert response.context["page_obj"].paginator.count == 1


def test_a_filter_value_that_does_not_validate_is_left_out(client, inspector, board):
    client.force_login(inspector)

    response = client.get(f"{DASHBOARD}?level=purple&rule=ZZ&department=x")

    assert len(rows(response)) == 4
    assert not response.context["filtered"]


def test_closed_alerts_leave_the_list_and_the_counts(client, inspector, board):
    services.alert_close(alert=board["cam2"], user=inspector, conclusion="摄像头已修复")
    client.force_login(inspector)

    response = client.get(DASHBOARD)

    assert board["cam2"].pk not in rows(response)
    assert response.context["counts"].red == 1


def test_the_list_is_paginated_by_fifty(client, inspector, department):
    cameras([Finding(n, "yellow", department.pk) for n in range(1, PAGE_SIZE + 6)])
    client.force_login(inspector)

    first, second = client.get(DASHBOARD), client.get(f"{DASHBOARD}?page=2")

    assert (len(rows(first)), len(rows(second))) == (PAGE_SIZE, 5)
    assert first.context["page_obj"].paginator.count == PAGE_SIZE + 5


# A department head ---------------------------------------------------------------------------------


def test_a_department_head_sees_only_their_department_s_alerts(client, head, board, department):
    client.force_login(head)

    response = client.get(DASHBOARD)

    assert set(rows(response)) == {board[key].pk for key in ("S1", "cam1", "cam3")}
    assert [(t.key, t.red, t.yellow) for t in response.context["counts"].departments] == [(department.pk, 1, 2)]
    choices = response.context["form"].fields["department"].choices
    assert [value for value, _label in choices] == ["", str(department.pk)]


def test_the_head_of_another_department_sees_only_theirs(client, other_head, board):
    client.force_login(other_head)

    response = client.get(DASHBOARD)

    assert rows(response) == [board["cam2"].pk]


def test_another_department_s_alert_does_not_exist_for_a_head(client, other_head, board):
    client.force_login(other_head)
    alert = board["S1"]

    assert client.get(reverse("supervision:alert", args=[alert.pk])).status_code == 404
    response = client.post(reverse("supervision:alert_action", args=[alert.pk, "answer"]), {"answer": "x"})
    assert response.status_code == 404


def test_a_head_filtering_by_another_department_sees_nothing_of_it(client, head, board, other_department):
    client.force_login(head)

    response = client.get(f"{DASHBOARD}?department={other_department.pk}")

    assert len(rows(response)) == 3  # the value is not one of theirs: left out
    assert not response.context["filtered"]


def test_a_renamed_department_shows_its_new_name_within_a_minute(
    client, inspector, board, other_department, time_machine, settings
):
    # Redis counts expiry on its own clock, which time-machine cannot move: the cache's timeout
    # (this code's choice) is what is tested, in a cache that reads Python's clock.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    client.force_login(inspector)
    client.get(DASHBOARD)
    other_department.name = "阳光区住房和城乡建设局（新）"
    other_department.save()
    time_machine.move_to(NOW + timedelta(seconds=61), tick=False)

    html = client.get(DASHBOARD).content.decode()

    assert html.count("阳光区住房和城乡建设局（新）") >= 3  # the filter, the tallies, the row of camera 2


# The live part, the trend, the health --------------------------------------------------------------


def test_htmx_gets_the_live_part_alone_with_the_filters_kept(client, inspector, board):
    client.force_login(inspector)

    response = client.get("/supervision/alerts/?level=red", **HTMX)

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "supervision/dashboard/live.html"
    html = response.content.decode()
    assert "<html" not in html
    assert 'hx-trigger="every 30s"' in html
    assert 'hx-get="/supervision/alerts/?level=red"' in html
    assert rows(response) == [board[key].pk for key in ("cam2", "cam3")]


def test_the_dashboard_polls_the_live_part(client, inspector, board):
    client.force_login(inspector)

    html = client.get(f"{DASHBOARD}?rule=V1").content.decode()

    assert 'id="alert-live" hx-get="/supervision/alerts/?rule=V1" hx-trigger="every 30s"' in html


def test_the_live_part_opened_in_a_browser_sends_to_the_dashboard(client, inspector):
    client.force_login(inspector)

    response = client.get("/supervision/alerts/?level=red")

    assert (response.status_code, response["Location"]) == (302, f"{DASHBOARD}?level=red")


def test_the_trend_counts_alerts_raised_per_day_by_level(client, inspector, board):
    client.force_login(inspector)

    response = client.get(DASHBOARD)

    trend = json.loads(_json_script(response, "alert-trend"))
    assert len(trend["days"]) == 30 and trend["days"][-1] == "2026-03-04"
    by_day = dict(zip(trend["days"], zip(trend["red"], trend["yellow"], strict=True), strict=True))
    assert by_day["2026-03-02"] == (0, 1)  # camera 1
    assert by_day["2026-03-03"] == (1, 0)  # camera 2
    assert by_day["2026-03-04"] == (1, 1)  # camera 3 and the case
    assert sum(trend["red"]) + sum(trend["yellow"]) == 4
    assert "vendor/echarts-6.0.0/echarts.min.js" in response.content.decode()


def _json_script(response, element_id: str) -> str:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', response.content.decode())
    return found.group(1)


def test_health_counts_open_camera_and_exchange_alerts_and_the_last_sweep(client, inspector, board, time_machine):
    rule_sync(code="X1", subject="exchange", findings=[Finding(1, "yellow")], at=NOW)
    time_machine.move_to(NOW + timedelta(minutes=5), tick=False)
    sweep()
    client.force_login(inspector)

    health = client.get(DASHBOARD).context["health"]

    assert health.open_by_rule == {"V1": 3, "X1": 1}
    assert health.last_sweep_at == NOW + timedelta(minutes=5)


def test_the_number_of_queries_does_not_grow_with_the_alerts(
    client, inspector, case_alert, department, other_department
):
    client.force_login(inspector)
    # Yellow, raised with the case's alert and after it: the case is on the first page.
    cameras([Finding(n, "yellow", department.pk) for n in range(1, 4)])
    with CaptureQueriesContext(connection) as few:
        client.get(DASHBOARD)
    cameras([Finding(n, "yellow", (department, other_department)[n % 2].pk) for n in range(1, 80)])
    with CaptureQueriesContext(connection) as many:
        response = client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as again:
        client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as live:
        client.get("/supervision/alerts/", **HTMX)
    with CaptureQueriesContext(connection) as by_state:
        client.get("/supervision/alerts/?state=open", **HTMX)

    assert len(rows(response)) == PAGE_SIZE and case_alert.pk in rows(response)
    # session, user, roles, version, rules, departments, counts, page ids, page rows, trend, heartbeats,
    # and each zone's exchange (outbox, inbox pending, quarantined, the other zone's report)
    assert len(few) == 15
    # Alerts changed: the counts and the page again; the trend, the lists of rules and departments and
    # the times of the last sweep may be a little old.
    assert len(many) == 7
    # Nothing changed since: session, user, roles, version; the HTML of the tallies and rows is cached.
    assert len(again) == len(live) == 4
    # Another page: its rows are read, and the alerts in a state counted (the tallies do not tell).
    assert len(by_state) == 7


def test_a_change_shows_at_once_despite_the_cache(client, inspector, board, department, other_department):
    client.force_login(inspector)
    assert client.get(DASHBOARD).context["counts"].red == 2

    services.alert_close(alert=board["cam2"], user=inspector, conclusion="摄像头已修复")
    response = client.get(DASHBOARD)
    assert response.context["counts"].red == 1
    html = response.content.decode()
    assert 'data-testid="open-red">1<' in html
    assert f'data-id="{board["cam2"].pk}"' not in html  # the cached rows are not shown again

    cameras([Finding(1, "red", department.pk), Finding(3, "red", department.pk)])  # camera 1 turns red
    counts = client.get(DASHBOARD).context["counts"]
    assert (counts.red, counts.yellow) == (2, 1)


def test_the_number_of_queries_of_a_head_s_dashboard_is_bounded(client, head, board, django_assert_max_num_queries):
    client.force_login(head)

    with django_assert_max_num_queries(17):  # the page's sixteen and the head's departments
        client.get(DASHBOARD)


# One alert -----------------------------------------------------------------------------------------


def test_an_alert_page_shows_the_alert_its_trail_and_links_to_its_case(client, inspector, case_alert):
    client.force_login(inspector)

    response = client.get(reverse("supervision:alert", args=[case_alert.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="/workbench/cases/{case_alert.case.number}/"' in html
    assert [row["event"].action for row in response.context["events"]] == ["raise"]


def test_the_inspector_is_offered_what_the_flow_allows_from_open(client, inspector, case_alert):
    client.force_login(inspector)

    response = client.get(reverse("supervision:alert", args=[case_alert.pk]))

    assert [form.action for form in response.context["forms"]] == ["acknowledge", "order", "escalate", "close"]


def test_the_head_is_offered_nothing_on_an_open_alert_and_the_answer_once_ordered(client, inspector, head, case_alert):
    client.force_login(head)
    url = reverse("supervision:alert", args=[case_alert.pk])
    assert client.get(url).context["forms"] == []

    services.alert_order(alert=case_alert, user=inspector, instructions="请说明", due_date=date(2026, 3, 9))

    response = client.get(f"{url}?action=answer")
    assert [form.action for form in response.context["forms"]] == ["answer"]
    assert response.context["open_action"] == "answer"
    assert "请说明" in response.content.decode()


def test_posting_an_action_fires_it(client, inspector, case_alert):
    client.force_login(inspector)

    response = client.post(
        reverse("supervision:alert_action", args=[case_alert.pk, "order"]),
        {"instructions": "三日内说明未受理原因", "due_date": "2026-03-09"},
        follow=True,
    )

    assert response.redirect_chain == [(f"/supervision/alerts/{case_alert.pk}/", 302)]
    assert [message.level_tag for message in response.context["messages"]] == ["success"]
    case_alert.refresh_from_db()
    assert case_alert.state == A.ORDERED
    assert case_alert.orders.get().due_date == date(2026, 3, 9)


def test_a_form_with_errors_is_shown_again(client, inspector, case_alert):
    client.force_login(inspector)

    url = reverse("supervision:alert_action", args=[case_alert.pk, "order"])

    response = client.post(url, {"instructions": "", "due_date": "2026-03-04"})

    assert response.status_code == 400
    assert set(response.context["forms"][1].errors) == {"instructions", "due_date"}
    case_alert.refresh_from_db()
    assert case_alert.state == A.OPEN


def test_an_action_the_state_no_longer_allows_comes_back_as_a_message(client, inspector, case_alert):
    services.alert_acknowledge(alert=case_alert, user=inspector, note="签收")
    client.force_login(inspector)

    response = client.post(
        reverse("supervision:alert_action", args=[case_alert.pk, "acknowledge"]), {"note": "再次签收"}, follow=True
    )

    messages = list(response.context["messages"])
    assert [message.level_tag for message in messages] == ["error"]
    assert str(case_alert.pk) in str(messages[0])
    assert case_alert.events.filter(action="acknowledge").count() == 1


def test_a_head_posting_an_inspector_s_action_is_forbidden(client, head, case_alert):
    client.force_login(head)

    response = client.post(reverse("supervision:alert_action", args=[case_alert.pk, "close"]), {"conclusion": "x"})

    assert response.status_code == 403
    case_alert.refresh_from_db()
    assert case_alert.state == A.OPEN


def test_an_unknown_action_is_not_found_and_a_get_is_not_allowed(client, inspector, case_alert):
    client.force_login(inspector)

    assert client.post(reverse("supervision:alert_action", args=[case_alert.pk, "delete"])).status_code == 404
    assert client.get(reverse("supervision:alert_action", args=[case_alert.pk, "close"])).status_code == 405


# Supervision orders --------------------------------------------------------------------------------


def test_the_head_sees_their_department_s_orders_awaiting_an_answer_overdue_marked(
    client, inspector, head, other_head, case_alert, other_department, time_machine
):
    services.alert_order(alert=case_alert, user=inspector, instructions="请说明", due_date=date(2026, 3, 6))
    cameras([Finding(9, "red", other_department.pk)])
    camera = Alert.objects.get(rule__code="V1")
    services.alert_order(alert=camera, user=inspector, instructions="修复摄像头", due_date=date(2026, 3, 20))
    time_machine.move_to(NOW + timedelta(days=3), tick=False)
    client.force_login(head)

    response = client.get("/supervision/orders/")

    assert [(row["order"].alert_id, row["overdue"], row["may_answer"]) for row in response.context["rows"]] == [
        (case_alert.pk, True, True)
    ]
    assert f'href="/supervision/alerts/{case_alert.pk}/?action=answer"' in response.content.decode()
    client.force_login(other_head)
    assert [row["order"].alert_id for row in client.get("/supervision/orders/").context["rows"]] == [camera.pk]


def test_an_answered_order_no_longer_awaits(client, inspector, head, case_alert):
    services.alert_order(alert=case_alert, user=inspector, instructions="请说明", due_date=date(2026, 3, 6))
    services.alert_answer(alert=case_alert, user=head, answer="已受理")
    client.force_login(head)

    assert client.get("/supervision/orders/").context["rows"] == []


def test_the_inspector_sees_every_order_awaiting_and_cannot_answer_it(client, inspector, case_alert):
    services.alert_order(alert=case_alert, user=inspector, instructions="请说明", due_date=date(2026, 3, 6))
    client.force_login(inspector)

    rows_ = client.get("/supervision/orders/").context["rows"]

    assert [(row["order"].alert_id, row["may_answer"]) for row in rows_] == [(case_alert.pk, False)]
