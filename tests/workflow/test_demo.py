from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from portal import demo as portal_demo
from powers import demo as powers_demo
from workflow import demo as workflow_demo
from workflow.constants import CaseState, DocumentKind
from workflow.models import Attachment, Case, CaseDocument, Notification, TrailEntry
from workflow.selectors.workbench import PAUSED_STATES, case_time_left
from workflow.services.trail import trail_verify

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
STAFF_ACTIONS = {"accept", "request_supplement", "not_accept", "advance", "send_back", "return_to_applicant"}


@pytest.fixture
def catalogue():
    """The demo departments, users and items the demo cases are filed by, for and at."""
    portal_demo.seed()
    powers_demo.seed()


def demo_cases():
    return Case.objects.filter(applicant__username=workflow_demo.CITIZEN)


def counts():
    models = (Case, TrailEntry, Notification, Attachment, CaseDocument)
    return [model.objects.count() for model in models]


def test_seeding_twice_creates_the_cases_once(catalogue):
    assert workflow_demo.seed() == []
    seeded = counts()

    assert workflow_demo.seed() == []

    assert counts() == seeded
    assert seeded[0] == demo_cases().count() >= len(CaseState)


def test_seeding_without_the_demo_users_and_items_adds_no_case():
    workflow_demo.seed()
    assert not Case.objects.exists()


def test_every_state_appears_among_the_demo_cases(catalogue):
    workflow_demo.seed()

    assert set(demo_cases().values_list("state", flat=True)) == set(CaseState.values)
    concluded = demo_cases().filter(state=CaseState.CONCLUDED)
    assert concluded.filter(refusal_reason="", item__is_immediate=False).exists()  # approved, then concluded
    assert concluded.exclude(refusal_reason="").exists()  # denied, then concluded
    assert concluded.filter(item__is_immediate=True).exists()  # 即办件
    assert set(demo_cases().values_list("department__code", flat=True)) == {"YG-SJJ"}


def test_the_cases_went_through_the_services(catalogue):
    workflow_demo.seed()

    for case in demo_cases().prefetch_related("trail", "documents", "attachments"):
        trail = list(case.trail.all())
        assert trail[0].action == "submit" and trail[0].actor_name == "张三", case
        assert trail[-1].to_state == case.state, case
        assert all(entry.opinion for entry in trail)
        assert {entry.action for entry in trail} - {"submit", "resubmit", "withdraw"} <= {
            *STAFF_ACTIONS,
            "suspend",
            "extend",
            "approve",
            "deny",
            "conclude",
        }
        kinds = {document.kind for document in case.documents.all()}
        assert (DocumentKind.ACCEPTANCE_NOTICE in kinds) == (case.accepted_at is not None), case
        assert (DocumentKind.CONCLUSION_NOTICE in kinds) == (case.state == CaseState.CONCLUDED), case
        attachments = list(case.attachments.all())
        assert attachments and all(a.content_type == "application/pdf" for a in attachments)
        assert attachments[0].file.open("rb").read(5) == b"%PDF-"
        assert case.notifications.exists()
    actors = set(
        TrailEntry.objects.exclude(action__in=["submit", "resubmit", "withdraw"]).values_list(
            "actor__username", flat=True
        )
    )
    assert actors == {"clerk", "reviewer", "approver", "head"}


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 18, 10, 0, tzinfo=SHANGHAI),  # a Wednesday
        datetime(2026, 3, 21, 10, 0, tzinfo=SHANGHAI),  # a Saturday
    ],
    ids=["wednesday", "saturday"],
)
def test_some_open_cases_are_overdue_and_some_in_their_last_fifth(catalogue, moment):
    with time_machine.travel(moment, tick=True):
        workflow_demo.seed()
        now = timezone.now()

        running = demo_cases().open().exclude(state__in=PAUSED_STATES).exclude(deadline_at=None)
        overdue = [case for case in running if case.deadline_at < now]
        near = [
            case
            for case in running
            if now <= case.deadline_at and case.deadline_at - now <= (case.deadline_at - case.accepted_at) * 0.2
        ]

    assert overdue and near
    for case in overdue + near:  # back-dated consistently on the case row
        assert case.submitted_at < case.accepted_at <= case.step_started_at < now


def test_the_workbench_sees_them_overdue_and_near_today(catalogue):
    workflow_demo.seed()

    statuses = {case_time_left(case).status for case in demo_cases().open().select_related("item", "step")}

    assert {"overdue", "near", "ok", "paused"} <= statuses


def test_the_trail_chain_is_unbroken_after_seeding(catalogue):
    workflow_demo.seed()

    checked, broken = trail_verify()

    assert broken is None
    assert checked == TrailEntry.objects.count() > 2 * len(CaseState)
