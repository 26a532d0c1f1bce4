"""Rules P1–P3 over penalty cases, each judged just before and at (or just after) its boundary with sweep(at=…)."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from supervision.constants import AlertState, Level, Subject
from supervision.models import Alert, Rule
from supervision.services.sweep import sweep
from tests.workflow.conftest import penalty_item_of
from workflow.models import PenaltyCase
from workflow.services import penalties as services

SHANGHAI = ZoneInfo("Asia/Shanghai")
SECOND = timedelta(seconds=1)
REGISTERED = datetime(2026, 6, 1, 9, 30, tzinfo=SHANGHAI)
FACTS = "当事人未取得食品经营许可经营熟食。"


def judged(code: str, case: PenaltyCase, at: datetime) -> str | None:
    """Sweep rule ``code`` as of ``at``: the level of the case's open alert under it, if any."""
    sweep(at=at, codes=[code])
    levels = list(
        Alert.objects.open()
        .filter(rule__code=code, subject=Subject.PENALTY_CASE, subject_id=case.pk)
        .values_list("level", flat=True)
    )
    assert len(levels) <= 1
    return levels[0] if levels else None


@pytest.fixture
def act(enforcers):
    """``act(moment, service, case, who, **fields)``: a step taken at that moment."""

    def run(moment: datetime, service, case: PenaltyCase, who: str, **fields) -> PenaltyCase:
        with time_machine.travel(moment, tick=False):
            service(case=case, user=enforcers[who], **fields)
        case.refresh_from_db()
        return case

    return run


@pytest.fixture
def registered(open_clue, act):
    with time_machine.travel(REGISTERED - timedelta(days=1), tick=False):
        case = open_clue()
    return act(REGISTERED, services.penalty_register, case, "officer", opinion="予以立案")


def to_informed(case, act, moment):
    act(moment, services.penalty_investigate, case, "officer", opinion="开始调查")
    return act(
        moment,
        services.penalty_inform,
        case,
        "officer",
        facts=FACTS,
        level="general",
        proposed_amount=Decimal("65000"),
        opinion="已告知",
    )


def test_the_penalty_rules_are_enabled_and_say_nothing_of_waiting(db):
    rules = Rule.objects.filter(code__in=["P1", "P2", "P3"])

    assert [(rule.code, rule.enabled) for rule in rules] == [("P1", True), ("P2", True), ("P3", True)]
    assert not any("上线后启用" in rule.description for rule in rules)


# P1 ---------------------------------------------------------------------------------------------------


def test_p1_a_clue_not_registered_is_yellow_from_that_moment(open_clue, act):
    case = open_clue()
    moment = REGISTERED
    act(moment, services.penalty_not_register, case, "officer", reason="不属于本部门管辖")

    assert judged("P1", case, moment - SECOND) is None
    assert judged("P1", case, moment) == Level.YELLOW


def test_p1_a_changed_cause_is_yellow(registered, act, department):
    other = penalty_item_of(department, "CF-YG-SJJ-0002", "对未建立进货查验记录制度的处罚")
    moment = REGISTERED + timedelta(days=3)
    act(moment, services.penalty_change_cause, registered, "officer", item=other, reason="案由有误")

    assert judged("P1", registered, moment - SECOND) is None
    assert judged("P1", registered, moment) == Level.YELLOW


def test_p1_a_revoked_registration_is_red_and_turns_an_earlier_yellow_red(registered, act, department):
    other = penalty_item_of(department, "CF-YG-SJJ-0002", "对未建立进货查验记录制度的处罚")
    changed, revoked = REGISTERED + timedelta(days=3), REGISTERED + timedelta(days=5)
    act(changed, services.penalty_change_cause, registered, "officer", item=other, reason="案由有误")
    assert judged("P1", registered, changed) == Level.YELLOW
    act(revoked, services.penalty_revoke, registered, "head", reason="违法事实不能成立")

    assert judged("P1", registered, revoked - SECOND) == Level.YELLOW
    assert judged("P1", registered, revoked) == Level.RED
    alert = Alert.objects.get(rule__code="P1", subject_id=registered.pk)
    assert (alert.case_id, alert.detail, alert.department_id) == (None, registered.number, registered.department_id)


def test_p1_a_registered_case_raises_nothing(registered):
    assert judged("P1", registered, REGISTERED + timedelta(days=1)) is None


# P2 ---------------------------------------------------------------------------------------------------


def test_p2_a_fine_outside_the_range_with_a_justification_is_red(registered, act):
    to_informed(registered, act, REGISTERED + timedelta(days=10))
    moment = REGISTERED + timedelta(days=20)
    act(
        moment,
        services.penalty_decide,
        registered,
        "head",
        amount=Decimal("55000"),
        decision="罚款",
        justification="当事人主动消除危害后果，依法从轻处罚",
    )

    assert judged("P2", registered, moment - SECOND) is None
    assert judged("P2", registered, moment) == Level.RED


def test_p2_a_fine_within_the_range_raises_nothing(registered, act):
    to_informed(registered, act, REGISTERED + timedelta(days=10))
    moment = REGISTERED + timedelta(days=20)
    act(moment, services.penalty_decide, registered, "head", amount=Decimal("75000"), decision="罚款")

    assert judged("P2", registered, moment) is None


# P3 ---------------------------------------------------------------------------------------------------


def test_p3_yellow_at_80_percent_of_90_days(registered):
    at_72_days = REGISTERED + timedelta(days=72)

    assert judged("P3", registered, at_72_days - SECOND) is None
    assert judged("P3", registered, at_72_days) == Level.YELLOW


def test_p3_red_past_90_days(registered):
    at_90_days = REGISTERED + timedelta(days=90)

    assert judged("P3", registered, at_90_days) == Level.YELLOW
    assert judged("P3", registered, at_90_days + SECOND) == Level.RED


def test_p3_clears_once_the_case_is_decided(registered, act):
    late = REGISTERED + timedelta(days=80)
    assert judged("P3", registered, late) == Level.YELLOW
    to_informed(registered, act, late)
    act(late, services.penalty_decide, registered, "head", amount=Decimal("65000"), decision="罚款")

    assert judged("P3", registered, late + SECOND) is None
    assert Alert.objects.get(rule__code="P3").state == AlertState.CLOSED


def test_p3_a_clue_never_registered_is_not_counted(open_clue):
    with time_machine.travel(REGISTERED, tick=False):
        case = open_clue()

    assert judged("P3", case, REGISTERED + timedelta(days=100)) is None


def test_the_alert_page_links_to_the_penalty_case(client, registered, enforcers):
    judged("P3", registered, REGISTERED + timedelta(days=80))
    alert = Alert.objects.get(rule__code="P3")
    client.force_login(enforcers["inspector"])

    html = client.get(f"/supervision/alerts/{alert.pk}/").content.decode()

    assert f'href="/penalties/{registered.number}/"' in html
    assert client.get(f"/penalties/{registered.number}/").status_code == 200
