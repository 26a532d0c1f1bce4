"""Every transition, for every role, in every state: allowed ones succeed, the rest are refused."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from tests.factories import CitizenFactory, StaffFactory, UserFactory
from workflow.constants import CaseState as S
from workflow.models import Case
from workflow.services import cases as services

ACTIONS = list(services.SERVICES) + ["resubmit", "withdraw"]

# state → {action: who may fire it}; every other (state, action, user) must be refused.
ALLOWED = {
    S.SUBMITTED: {
        "request_supplement": {"clerk"},
        "accept": {"clerk"},
        "not_accept": {"clerk"},
        "withdraw": {"applicant"},
    },
    S.SUPPLEMENT: {"not_accept": {"clerk"}, "resubmit": {"applicant"}, "withdraw": {"applicant"}},
    # Accepted: the case sits at 审查, a reviewer's step.
    S.ACCEPTED: {
        "advance": {"reviewer"},
        "return_to_applicant": {"reviewer"},
        "suspend": {"reviewer"},
        "extend": {"head"},
        "withdraw": {"applicant"},
    },
    # Reviewing at 决定, the approver's step: the approver decides, or sends it back.
    S.REVIEWING: {
        "approve": {"approver"},
        "deny": {"approver"},
        "send_back": {"approver"},
        "return_to_applicant": {"approver"},
        "suspend": {"approver"},
        "extend": {"head"},
        "withdraw": {"applicant"},
    },
    S.RETURNED: {"resubmit": {"applicant"}, "extend": {"head"}, "withdraw": {"applicant"}},
    S.SUSPENDED: {"resume": {"reviewer"}, "extend": {"head"}, "withdraw": {"applicant"}},
    S.APPROVED: {"conclude": {"clerk"}},
    S.DENIED: {"conclude": {"clerk"}},
    S.CONCLUDED: {},
    S.NOT_ACCEPTED: {},
    S.WITHDRAWN: {},
}


class Rollback(Exception):
    pass


def _arguments(action: str) -> dict:
    if action in ("not_accept", "deny"):
        return {"reason": "材料不符合法定形式", "legal_basis": "《中华人民共和国行政许可法》第三十二条"}
    if action in ("suspend", "extend"):
        return {"opinion": "需要组织听证", "days": 2}
    if action == "request_supplement":
        return {"materials": [], "opinion": "请补充营业执照副本"}
    return {"opinion": "同意"}


def _fire(case: Case, action: str, user) -> str:
    service = services.SERVICES.get(action) or getattr(services, f"case_{action}")
    try:
        with transaction.atomic():
            service(case=Case.objects.get(pk=case.pk), user=user, **_arguments(action))
            raise Rollback
    except Rollback:
        return "done"
    except PermissionDenied:
        return "forbidden"
    except ValidationError:
        return "refused"


@pytest.fixture
def users(staff, citizen, other_department):
    return {
        "clerk": staff["window_clerk"],
        "reviewer": staff["reviewer"],
        "approver": staff["approver"],
        "head": staff["dept_head"],
        "applicant": citizen,
        "other_citizen": CitizenFactory(),
        "other_department": StaffFactory(role="window_clerk", department=other_department),
        "inspector": UserFactory(role="inspector"),
    }


@pytest.fixture
def case_in(file_case, users):
    """A case brought to ``state`` through the services."""
    clerk, reviewer, approver = users["clerk"], users["reviewer"], users["approver"]
    steps = {
        S.SUBMITTED: [],
        S.SUPPLEMENT: [("request_supplement", clerk)],
        S.NOT_ACCEPTED: [("not_accept", clerk)],
        S.WITHDRAWN: [("withdraw", users["applicant"])],
        S.ACCEPTED: [("accept", clerk)],
        S.RETURNED: [("accept", clerk), ("return_to_applicant", reviewer)],
        S.SUSPENDED: [("accept", clerk), ("suspend", reviewer)],
        S.REVIEWING: [("accept", clerk), ("advance", reviewer)],
        S.APPROVED: [("accept", clerk), ("advance", reviewer), ("approve", approver)],
        S.DENIED: [("accept", clerk), ("advance", reviewer), ("deny", approver)],
        S.CONCLUDED: [("accept", clerk), ("advance", reviewer), ("approve", approver), ("conclude", clerk)],
    }

    def make(state):
        case = file_case()
        for action, user in steps[state]:
            service = services.SERVICES.get(action) or getattr(services, f"case_{action}")
            service(case=case, user=user, **_arguments(action))
        assert case.state == state
        return case

    return make


@pytest.mark.parametrize("state", list(ALLOWED))
def test_each_role_may_fire_exactly_its_transitions(state, case_in, users):
    case = case_in(state)
    outcomes = {(action, who): _fire(case, action, user) for action in ACTIONS for who, user in users.items()}

    for (action, who), outcome in outcomes.items():
        allowed = ALLOWED[state].get(action)
        if allowed is None:
            assert outcome == "refused", f"{action} by {who} in {state}: {outcome}"
        elif who in allowed:
            assert outcome == "done", f"{action} by {who} in {state}: {outcome}"
        else:
            assert outcome == "forbidden", f"{action} by {who} in {state}: {outcome}"
    assert Case.objects.get(pk=case.pk).state == state


def test_the_reviewer_of_a_case_may_not_approve_it(file_case, staff, department):
    both = StaffFactory(role="reviewer", department=department)
    both.groups.add(*staff["approver"].groups.filter(name="approver"))
    case = file_case()
    services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")
    services.case_advance(case=case, user=both, opinion="审查通过")

    assert _fire(case, "approve", both) == "forbidden"
    assert _fire(case, "approve", staff["approver"]) == "done"


def test_an_immediate_item_is_decided_by_the_window_clerk_on_the_spot(file_case, item, staff):
    item.is_immediate = True
    item.save(update_fields=["is_immediate"])
    case = file_case()
    services.case_accept(case=case, user=staff["window_clerk"], opinion="即办件，当场受理")

    services.case_approve(case=case, user=staff["window_clerk"], opinion="当场办结")
    services.case_conclude(case=case, user=staff["window_clerk"], opinion="当场送达")

    assert case.state == S.CONCLUDED


def test_an_extension_is_granted_once(case_in, users):
    case = case_in(S.ACCEPTED)
    services.case_extend(case=case, user=users["head"], opinion="案情复杂", days=5)

    with pytest.raises(ValidationError) as refused:
        services.case_extend(case=case, user=users["head"], opinion="再次延期", days=5)

    # The real reason, not the case's state (which allows an extension).
    assert refused.value.messages == ["本案已延期一次，依法不得再次延期。"]
    assert case.pauses.filter(kind="extension").count() == 1


def test_a_second_extension_is_refused_for_its_reason_even_while_suspended(case_in, users):
    case = case_in(S.SUSPENDED)
    services.case_extend(case=case, user=users["head"], opinion="案情复杂", days=5)

    with pytest.raises(ValidationError, match="已延期一次"):
        services.case_extend(case=case, user=users["head"], opinion="再次延期", days=3)


@pytest.mark.parametrize("days", [0, 11])
def test_an_extension_stays_within_the_statutory_ten_days(case_in, users, days):
    case = case_in(S.ACCEPTED)

    with pytest.raises(ValidationError, match="1 至 10"):
        services.case_extend(case=case, user=users["head"], opinion="案情复杂", days=days)


def test_sending_back_returns_to_the_previous_step(case_in, users):
    case = case_in(S.REVIEWING)
    assert case.step.name == "决定"

    services.case_send_back(case=case, user=users["approver"], opinion="事实不清，退回审查")

    assert (case.state, case.step.name) == (S.REVIEWING, "审查")
    assert _fire(case, "send_back", users["reviewer"]) == "refused"  # never back into intake


def test_nobody_handles_their_own_application(file_case, staff):
    clerk = staff["window_clerk"]
    case = file_case(applicant=clerk, applicant_name=clerk.name, applicant_mobile="13900000000")

    assert _fire(case, "accept", clerk) == "forbidden"
