"""法制审核 (Administrative Penalty Law art. 58): an item whose flowchart has a legal-review step is
decided only after the legal reviewer passed the case; a return sends it back to investigation."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from tests.factories import StaffFactory
from tests.workflow.conftest import penalty_item_of
from workflow.constants import PenaltyState as S
from workflow.models import PenaltyCase, TrailEntry
from workflow.services import penalties as services

pytestmark = pytest.mark.django_db

FACTS = "当事人未取得食品经营许可，自2026年9月起在幸福路8号经营熟食，货值金额3200元。"
PASSED = "事实清楚，证据确凿，裁量适当，同意"
FLOWCHART = [
    ("立案", "law_enforcer"),
    ("调查取证", "law_enforcer"),
    ("告知", "law_enforcer"),
    ("法制审核", "legal_reviewer"),
    ("决定", "dept_head"),
]


@pytest.fixture
def reviewed_item(department):
    item = penalty_item_of(department, "CF-YG-SJJ-0010", "对未取得食品经营许可从事食品经营活动的处罚（重大）")
    for position, (name, role) in enumerate(FLOWCHART, start=1):
        item.steps.create(position=position, name=name, role=role, days_limit=5)
    return item


@pytest.fixture
def informed(open_clue, enforcers, reviewed_item):
    case = open_clue(item=reviewed_item)
    officer = enforcers["officer"]
    services.penalty_register(case=case, user=officer, opinion="予以立案")
    services.penalty_investigate(case=case, user=officer, opinion="开始调查")
    services.penalty_inform(
        case=case, user=officer, facts=FACTS, level="general", proposed_amount=Decimal("65000"), opinion="已告知"
    )
    return case


def submitted(case, enforcers):
    return services.penalty_submit_review(case=case, user=enforcers["officer"], opinion="调查终结，提请法制审核")


def passed(case, enforcers):
    submitted(case, enforcers)
    return services.penalty_pass_review(case=case, user=enforcers["legal"], opinion=PASSED)


def decide(case, enforcers, amount="65000"):
    return services.penalty_decide(case=case, user=enforcers["head"], amount=Decimal(amount), decision="罚款")


def test_deciding_without_a_legal_review_is_refused(informed, enforcers):
    with pytest.raises(ValidationError):
        decide(informed, enforcers)

    assert PenaltyCase.objects.get(pk=informed.pk).state == S.INFORMED
    assert not TrailEntry.objects.filter(penalty_case=informed, action="decide").exists()


def test_deciding_during_the_review_is_refused(informed, enforcers):
    submitted(informed, enforcers)

    with pytest.raises(ValidationError):
        decide(informed, enforcers)
    assert PenaltyCase.objects.get(pk=informed.pk).state == S.LEGAL_REVIEW


def test_a_passed_review_lets_the_head_decide(informed, enforcers):
    passed(informed, enforcers)

    decide(informed, enforcers)

    assert informed.state == S.DECIDED


def test_a_hearing_then_the_review_then_the_decision(informed, enforcers):
    services.penalty_request_hearing(case=informed, user=enforcers["officer"], opinion="当事人申请听证")
    passed(informed, enforcers)

    decide(informed, enforcers)

    assert informed.state == S.DECIDED


def test_a_returned_review_goes_back_to_investigation_and_round_again(informed, enforcers):
    submitted(informed, enforcers)
    opinion = "裁量明显不当：违法经营三个月以上，应适用较重情节"

    services.penalty_return_review(case=informed, user=enforcers["legal"], opinion=opinion)

    assert informed.state == S.INVESTIGATING
    with pytest.raises(ValidationError):
        decide(informed, enforcers)
    services.penalty_inform(
        case=informed,
        user=enforcers["officer"],
        facts=FACTS,
        level="serious",
        proposed_amount=Decimal("80000"),
        opinion="重新告知",
    )
    passed(informed, enforcers)
    decide(informed, enforcers, "80000")
    assert informed.state == S.DECIDED


def test_a_return_needs_the_reviewers_opinion(informed, enforcers):
    submitted(informed, enforcers)

    with pytest.raises(ValidationError):
        services.penalty_return_review(case=informed, user=enforcers["legal"], opinion="  ")
    assert PenaltyCase.objects.get(pk=informed.pk).state == S.LEGAL_REVIEW


def test_the_trail_shows_the_review_with_its_opinion_and_role(informed, enforcers):
    submitted(informed, enforcers)
    services.penalty_return_review(case=informed, user=enforcers["legal"], opinion="证据不足，补充调查")
    services.penalty_inform(
        case=informed,
        user=enforcers["officer"],
        facts=FACTS,
        level="general",
        proposed_amount=Decimal("65000"),
        opinion="补充调查后重新告知",
    )
    passed(informed, enforcers)
    decide(informed, enforcers)

    trail = list(TrailEntry.objects.filter(penalty_case=informed).order_by("seq"))
    reviews = [(e.action, e.role, e.actor, e.from_state, e.to_state, e.opinion) for e in trail if "review" in e.action]
    assert reviews == [
        ("submit_review", "law_enforcer", enforcers["officer"], S.INFORMED, S.LEGAL_REVIEW, "调查终结，提请法制审核"),
        ("return_review", "legal_reviewer", enforcers["legal"], S.LEGAL_REVIEW, S.INVESTIGATING, "证据不足，补充调查"),
        ("submit_review", "law_enforcer", enforcers["officer"], S.INFORMED, S.LEGAL_REVIEW, "调查终结，提请法制审核"),
        ("pass_review", "legal_reviewer", enforcers["legal"], S.LEGAL_REVIEW, S.REVIEWED, PASSED),
    ]
    assert trail[-1].action == "decide"


def test_the_head_may_not_decide_heavier_than_the_reviewed_proposal(informed, enforcers):
    passed(informed, enforcers)

    with pytest.raises(ValidationError, match="法制审核"):
        services.penalty_decide(
            case=informed, user=enforcers["head"], amount=Decimal("70000"), decision="罚款", justification="从重"
        )
    assert PenaltyCase.objects.get(pk=informed.pk).state == S.REVIEWED


@pytest.mark.parametrize("who", ["officer", "head", "clerk", "other_officer", "inspector"])
def test_only_the_departments_legal_reviewer_reviews(informed, enforcers, who):
    submitted(informed, enforcers)

    for service in (services.penalty_pass_review, services.penalty_return_review):
        with pytest.raises(PermissionDenied), transaction.atomic():
            service(case=PenaltyCase.objects.get(pk=informed.pk), user=enforcers[who], opinion="同意")
    assert PenaltyCase.objects.get(pk=informed.pk).state == S.LEGAL_REVIEW


def test_a_legal_reviewer_of_another_department_may_not_review(informed, enforcers, other_department):
    submitted(informed, enforcers)
    stranger = StaffFactory(role="legal_reviewer", department=other_department, username="zjj-legal")

    with pytest.raises(PermissionDenied):
        services.penalty_pass_review(case=informed, user=stranger, opinion="同意")


def test_the_officer_who_handled_the_case_may_not_review_it_even_holding_the_role(informed, enforcers):
    officer = enforcers["officer"]
    officer.groups.add(enforcers["legal"].groups.get(name="legal_reviewer"))
    submitted(informed, enforcers)

    with pytest.raises(PermissionDenied):
        services.penalty_pass_review(case=informed, user=officer, opinion="同意")
    assert PenaltyCase.objects.get(pk=informed.pk).state == S.LEGAL_REVIEW


def test_an_item_without_a_legal_review_step_is_decided_as_before(open_clue, enforcers):
    case = open_clue()
    officer = enforcers["officer"]
    services.penalty_register(case=case, user=officer, opinion="予以立案")
    services.penalty_investigate(case=case, user=officer, opinion="开始调查")
    services.penalty_inform(
        case=case, user=officer, facts=FACTS, level="general", proposed_amount=Decimal("65000"), opinion="已告知"
    )

    with pytest.raises(ValidationError):
        submitted(case, enforcers)
    decide(case, enforcers)
    assert case.state == S.DECIDED


def test_a_revoked_review_case_stops_the_review(informed, enforcers):
    submitted(informed, enforcers)

    services.penalty_revoke(case=informed, user=enforcers["head"], reason="已移送公安机关")

    assert informed.state == S.REVOKED


def test_the_head_who_passed_the_review_may_not_decide_it(informed, enforcers):
    head = enforcers["head"]
    head.groups.add(enforcers["legal"].groups.get(name="legal_reviewer"))
    submitted(informed, enforcers)
    services.penalty_pass_review(case=informed, user=head, opinion=PASSED)

    with pytest.raises(PermissionDenied):
        decide(informed, enforcers)
    assert PenaltyCase.objects.get(pk=informed.pk).state == S.REVIEWED


def test_a_step_named_legal_review_requires_it_whatever_its_role(open_clue, enforcers, department):
    """A catalogue imported before the role existed names the step 法制审核 and gives it to reviewers."""
    item = penalty_item_of(department, "CF-YG-SJJ-0011", "对未按规定公示食品经营许可的处罚")
    item.steps.create(position=1, name="重大执法决定法制审核", role="reviewer", days_limit=5)
    case = open_clue(item=item)
    officer = enforcers["officer"]
    services.penalty_register(case=case, user=officer, opinion="予以立案")
    services.penalty_investigate(case=case, user=officer, opinion="开始调查")
    services.penalty_inform(
        case=case, user=officer, facts=FACTS, level="general", proposed_amount=Decimal("65000"), opinion="已告知"
    )

    with pytest.raises(ValidationError):
        decide(case, enforcers)
    passed(case, enforcers)
    decide(case, enforcers)
    assert case.state == S.DECIDED
