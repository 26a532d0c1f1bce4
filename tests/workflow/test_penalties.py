"""Penalty cases: every step for every role in every state, discretion, and the trail."""

import hashlib
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from pypdf import PdfReader

from tests.workflow.conftest import behind_the_trigger, penalty_item_of
from workflow.constants import PenaltyState as S
from workflow.models import CauseChange, PenaltyCase, TrailEntry
from workflow.selectors.penalties import penalty_proposal
from workflow.services import penalties as services
from workflow.services.trail import trail_verify

ACTIONS = list(services.SERVICES)

# state → {action: who may fire it}; every other (state, action, user) must be refused.
ALLOWED = {
    S.CLUE: {"register": {"officer"}, "not_register": {"officer"}},
    S.REGISTERED: {"investigate": {"officer"}, "change_cause": {"officer"}, "revoke": {"head"}},
    S.INVESTIGATING: {"inform": {"officer"}, "change_cause": {"officer"}, "revoke": {"head"}},
    S.INFORMED: {"request_hearing": {"officer"}, "decide": {"head"}, "revoke": {"head"}},
    S.HEARING: {"decide": {"head"}, "revoke": {"head"}},
    S.DECIDED: {"execute": {"officer"}},
    S.EXECUTED: {"close": {"officer"}},
    S.CLOSED: {},
    S.NOT_REGISTERED: {},
    S.REVOKED: {},
}

# The path to each state: (action, who).
PATHS = {
    S.CLUE: [],
    S.NOT_REGISTERED: [("not_register", "officer")],
    S.REGISTERED: [("register", "officer")],
    S.INVESTIGATING: [("register", "officer"), ("investigate", "officer")],
    S.INFORMED: [("register", "officer"), ("investigate", "officer"), ("inform", "officer")],
    S.HEARING: [
        ("register", "officer"),
        ("investigate", "officer"),
        ("inform", "officer"),
        ("request_hearing", "officer"),
    ],
    S.DECIDED: [("register", "officer"), ("investigate", "officer"), ("inform", "officer"), ("decide", "head")],
    S.EXECUTED: [
        ("register", "officer"),
        ("investigate", "officer"),
        ("inform", "officer"),
        ("decide", "head"),
        ("execute", "officer"),
    ],
    S.CLOSED: [
        ("register", "officer"),
        ("investigate", "officer"),
        ("inform", "officer"),
        ("decide", "head"),
        ("execute", "officer"),
        ("close", "officer"),
    ],
    S.REVOKED: [("register", "officer"), ("revoke", "head")],
}


class Rollback(Exception):
    pass


@pytest.fixture
def other_cause(department):
    return penalty_item_of(department, "CF-YG-SJJ-0002", "对食品经营者未按规定建立进货查验记录制度的处罚")


def arguments(action: str, other_cause=None) -> dict:
    if action in ("not_register", "revoke"):
        return {"reason": "证据不足，违法事实不能成立"}
    if action == "change_cause":
        return {"item": other_cause, "reason": "经调查，实为未建立进货查验记录"}
    if action == "inform":
        return {
            "facts": "当事人未取得食品经营许可，自2026年9月起在幸福路8号经营熟食，货值金额3200元。",
            "level": "general",
            "proposed_amount": Decimal("65000"),
            "opinion": "已告知当事人陈述、申辩和听证的权利",
        }
    if action == "decide":
        return {"amount": Decimal("65000"), "decision": "没收违法所得，并处罚款。"}
    return {"opinion": "同意"}


@pytest.fixture
def case_in(open_clue, enforcers, other_cause):
    def make(state):
        case = open_clue()
        for action, who in PATHS[state]:
            services.SERVICES[action](case=case, user=enforcers[who], **arguments(action, other_cause))
        assert case.state == state
        return case

    return make


def _fire(case, action, user, other_cause) -> str:
    try:
        with transaction.atomic():
            services.SERVICES[action](
                case=PenaltyCase.objects.get(pk=case.pk), user=user, **arguments(action, other_cause)
            )
            raise Rollback
    except Rollback:
        return "done"
    except PermissionDenied:
        return "forbidden"
    except ValidationError:
        return "refused"


@pytest.mark.parametrize("state", list(ALLOWED))
def test_each_role_may_fire_exactly_its_steps(state, case_in, enforcers, other_cause):
    case = case_in(state)
    outcomes = {
        (action, who): _fire(case, action, user, other_cause) for action in ACTIONS for who, user in enforcers.items()
    }

    for (action, who), outcome in outcomes.items():
        allowed = ALLOWED[state].get(action)
        if allowed is None:
            assert outcome == "refused", f"{action} by {who} in {state}: {outcome}"
        elif who in allowed:
            assert outcome == "done", f"{action} by {who} in {state}: {outcome}"
        else:
            assert outcome == "forbidden", f"{action} by {who} in {state}: {outcome}"
    assert PenaltyCase.objects.get(pk=case.pk).state == state


@pytest.mark.parametrize("who", ["head", "clerk", "other_officer", "inspector"])
def test_only_the_departments_officers_record_clues(open_clue, enforcers, who):
    with pytest.raises(PermissionDenied):
        open_clue(user=enforcers[who])

    assert not PenaltyCase.objects.exists()


def test_a_clue_against_a_licensing_item_is_refused(open_clue, item):
    with pytest.raises(ValidationError, match="请选择本部门已发布的行政处罚事项"):
        open_clue(item=item)


def test_a_clue_gets_a_number_and_the_first_trail_entry(open_clue):
    case = open_clue()

    assert case.number.startswith("CF-") and case.state == S.CLUE
    entry = case.trail.get()
    assert (entry.action, entry.to_state, entry.role, entry.client_address) == (
        "receive",
        "clue",
        "law_enforcer",
        "10.20.8.15",
    )


@pytest.mark.parametrize("action", ["not_register", "revoke", "change_cause"])
def test_a_recorded_action_without_a_reason_changes_nothing(case_in, enforcers, other_cause, action):
    case = case_in(S.CLUE if action == "not_register" else S.REGISTERED)
    who = "head" if action == "revoke" else "officer"

    with pytest.raises(ValidationError, match="理由"):
        services.SERVICES[action](case=case, user=enforcers[who], **arguments(action, other_cause) | {"reason": " "})

    assert PenaltyCase.objects.get(pk=case.pk).state == case.state


def test_changing_the_cause_keeps_the_old_and_new_causes(case_in, enforcers, other_cause, penalty_item):
    case = case_in(S.INVESTIGATING)

    services.penalty_change_cause(case=case, user=enforcers["officer"], **arguments("change_cause", other_cause))

    change = CauseChange.objects.get(case=case)
    assert (change.old_item, change.new_item, change.changed_by) == (penalty_item, other_cause, enforcers["officer"])
    assert case.item == other_cause and case.cause_changed_at is not None and case.state == S.INVESTIGATING
    assert "变更" in case.trail.get(action="change_cause").opinion


def test_the_cause_cannot_change_to_another_departments_item(case_in, enforcers, other_department):
    case = case_in(S.REGISTERED)
    foreign = penalty_item_of(other_department, "CF-YG-ZJJ-0001", "对建筑施工企业的处罚")

    with pytest.raises(ValidationError, match="请选择本部门已发布的行政处罚事项"):
        services.penalty_change_cause(case=case, user=enforcers["officer"], item=foreign, reason="改")


def test_a_stale_page_acts_on_nothing(case_in, enforcers):
    case = case_in(S.CLUE)

    with pytest.raises(ValidationError, match="已有他人办理"):
        services.penalty_register(case=case, user=enforcers["officer"], opinion="立案", revision=case.revision + 1)


# Discretion -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "low", "high", "text"),
    [
        ("minor", 50000, 60000, "初次违法"),
        ("general", 60001, 75000, "一个月以上"),
        ("serious", 75001, 90000, "三个月以上"),
        ("severe", 90001, 100000, "社会影响恶劣"),
    ],
)
def test_each_level_proposes_its_range_and_shows_the_standards_text(penalty_item, level, low, high, text):
    proposal = penalty_proposal(penalty_item, level)

    assert (proposal.level, proposal.amount_min, proposal.amount_max) == (level, low, high)
    assert text in proposal.circumstances


def test_a_level_the_standard_lacks_proposes_nothing(department):
    item = penalty_item_of(department, "CF-YG-SJJ-0009", "无基准事项")
    item.standards.filter(level="severe").delete()

    assert penalty_proposal(item, "severe") is None


def test_informing_records_the_facts_and_the_standard_applied(case_in, enforcers):
    case = case_in(S.INFORMED)

    assert (case.level, case.standard.amount_min, case.proposed_amount) == ("general", 60001, 65000)
    assert case.facts.startswith("当事人未取得食品经营许可") and case.informed_at is not None


@pytest.mark.parametrize("amount", [Decimal("60000.99"), Decimal("75000.01")])
def test_a_fine_outside_the_range_is_refused_without_a_justification(case_in, enforcers, amount):
    case = case_in(S.INFORMED)

    with pytest.raises(ValidationError, match="超出所适用裁量基准的幅度"):
        services.penalty_decide(case=case, user=enforcers["head"], amount=amount, decision="罚款")

    case.refresh_from_db()
    assert (case.state, case.amount, case.out_of_range) == (S.INFORMED, None, False)


def test_a_fine_outside_the_range_is_allowed_with_a_justification_and_kept(case_in, enforcers):
    case = case_in(S.INFORMED)

    services.penalty_decide(
        case=case, user=enforcers["head"], amount=Decimal("55000"), decision="罚款", justification="主动退赔，依法从轻"
    )

    assert (case.state, case.amount, case.out_of_range) == (S.DECIDED, Decimal("55000"), True)
    assert case.justification == "主动退赔，依法从轻"


@pytest.mark.parametrize("amount", [Decimal("60001"), Decimal("75000")])
def test_a_fine_at_the_ends_of_the_range_is_within_it(case_in, enforcers, amount):
    case = case_in(S.INFORMED)

    services.penalty_decide(case=case, user=enforcers["head"], amount=amount, decision="罚款")

    assert (case.state, case.out_of_range) == (S.DECIDED, False)


def test_the_proposed_fine_outside_the_range_also_needs_a_justification(case_in, enforcers):
    case = case_in(S.INVESTIGATING)
    fields = arguments("inform") | {"proposed_amount": Decimal("55000")}

    with pytest.raises(ValidationError, match="超出所适用裁量基准的幅度"):
        services.penalty_inform(case=case, user=enforcers["officer"], **fields)


def test_a_level_without_a_standard_row_is_refused(case_in, enforcers):
    case = case_in(S.INVESTIGATING)
    case.item.standards.filter(level="severe").delete()

    with pytest.raises(ValidationError, match="裁量基准中没有该情节等级"):
        services.penalty_inform(case=case, user=enforcers["officer"], **arguments("inform") | {"level": "severe"})


# The decision and the trail -----------------------------------------------------------------------


def test_the_decision_is_issued_as_a_pdf_with_basis_standard_amount_and_remedies(case_in):
    case = case_in(S.DECIDED)

    content = case.decision_document.read()
    assert content.startswith(b"%PDF") and hashlib.sha256(content).hexdigest() == case.decision_sha256
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages).replace("\n", "")
    for expected in (
        "行政处罚决定书",
        case.number,
        "《中华人民共和国食品安全法》第一百二十二条第一款",
        "“一般”情节",
        "60001 元至 75000 元",
        "罚款人民币 65000 元",
        "六十日内申请行政复议",
        "六个月内依法向人民法院提起行政诉讼",
    ):
        assert expected in text, expected


def test_every_step_is_in_the_trail_and_the_chain_holds(case_in, file_case):
    file_case()  # a licensing case's entries share the chain
    case = case_in(S.CLOSED)

    entries = list(case.trail.order_by("seq"))
    assert [(e.action, e.from_state, e.to_state, e.role) for e in entries] == [
        ("receive", "", "clue", "law_enforcer"),
        ("register", "clue", "registered", "law_enforcer"),
        ("investigate", "registered", "investigating", "law_enforcer"),
        ("inform", "investigating", "informed", "law_enforcer"),
        ("decide", "informed", "decided", "dept_head"),
        ("execute", "decided", "executed", "law_enforcer"),
        ("close", "executed", "closed", "law_enforcer"),
    ]
    assert trail_verify() == (8, None)


def test_verify_trail_names_the_penalty_case_of_an_entry_altered_behind_its_back(case_in):
    case = case_in(S.INFORMED)
    entry = case.trail.get(action="inform")
    with behind_the_trigger():
        TrailEntry.objects.filter(pk=entry.pk).update(opinion="未告知")

    with pytest.raises(CommandError, match=f"entry #{entry.seq} \\(case {case.number}\\)"):
        call_command("verify_trail")


def test_a_trail_entry_belongs_to_exactly_one_case(case_in, file_case):
    case, licensing = case_in(S.CLUE), file_case()
    entry = licensing.trail.get()

    with behind_the_trigger():
        with pytest.raises(IntegrityError, match="trail_one_case"), transaction.atomic():
            TrailEntry.objects.filter(pk=entry.pk).update(penalty_case=case)
