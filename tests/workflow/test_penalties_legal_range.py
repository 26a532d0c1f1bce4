"""The fine the law sets (法定罚款幅度): no justification lets a decision leave it; inside it, a fine
outside the discretion standard's row still needs one and raises P2."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from powers.models import DiscretionStandard
from supervision.constants import Level, Subject
from supervision.models import Alert
from supervision.services.sweep import sweep
from workflow.constants import PenaltyState as S
from workflow.models import PenaltyCase, TrailEntry
from workflow.services import penalties as services

pytestmark = pytest.mark.django_db

JUSTIFIED = "当事人有立功表现，经集体讨论决定"
FACTS = "当事人未取得食品经营许可，自2026年9月起在幸福路8号经营熟食，货值金额3200元。"


@pytest.fixture
def informed(open_clue, enforcers):
    """A case informed at the general level (60,001–75,000 yuan) of an item the law fines 50,000–100,000 yuan."""
    case = open_clue()
    officer = enforcers["officer"]
    services.penalty_register(case=case, user=officer, opinion="予以立案")
    services.penalty_investigate(case=case, user=officer, opinion="开始调查")
    services.penalty_inform(
        case=case, user=officer, facts=FACTS, level="general", proposed_amount=Decimal("65000"), opinion="已告知"
    )
    return case


def decide(case, head, amount: str, justification: str = ""):
    return services.penalty_decide(
        case=case, user=head, amount=Decimal(amount), decision="罚款", justification=justification
    )


def _unchanged(case) -> None:
    fresh = PenaltyCase.objects.get(pk=case.pk)
    assert (fresh.state, fresh.amount, fresh.out_of_range, fresh.decision) == (S.INFORMED, None, False, "")
    assert not TrailEntry.objects.filter(penalty_case=case, action="decide").exists()


def test_the_item_carries_the_range_the_law_sets(penalty_item):
    assert (penalty_item.legal_fine_min, penalty_item.legal_fine_max) == (Decimal("50000"), Decimal("100000"))


@pytest.mark.parametrize("amount", ["100000.01", "500000"])
def test_a_fine_above_the_legal_maximum_is_refused_even_with_a_justification(informed, enforcers, amount):
    with pytest.raises(ValidationError, match="法定罚款幅度"):
        decide(informed, enforcers["head"], amount, JUSTIFIED)

    _unchanged(informed)


def test_a_fine_below_the_legal_minimum_is_refused_even_with_a_justification(informed, enforcers):
    with pytest.raises(ValidationError, match="法定罚款幅度"):
        decide(informed, enforcers["head"], "49999.99", JUSTIFIED)

    _unchanged(informed)


def test_the_legal_maximum_itself_is_allowed_with_a_justification(informed, enforcers):
    decide(informed, enforcers["head"], "100000", JUSTIFIED)

    assert (informed.state, informed.amount, informed.out_of_range) == (S.DECIDED, Decimal("100000"), True)


def test_inside_the_law_but_outside_the_row_needs_a_justification(informed, enforcers):
    with pytest.raises(ValidationError, match="超出所适用裁量基准的幅度"):
        decide(informed, enforcers["head"], "80000")

    _unchanged(informed)


def test_inside_the_law_but_outside_the_row_with_a_justification_is_decided_and_red(informed, enforcers):
    decide(informed, enforcers["head"], "80000", JUSTIFIED)
    sweep(at=timezone.now() + timedelta(seconds=1), codes=["P2"])

    assert (informed.state, informed.amount, informed.out_of_range) == (S.DECIDED, Decimal("80000"), True)
    alert = Alert.objects.open().get(rule__code="P2", subject=Subject.PENALTY_CASE, subject_id=informed.pk)
    assert alert.level == Level.RED


def test_the_proposed_fine_cannot_leave_the_law_either(open_clue, enforcers):
    case = open_clue()
    officer = enforcers["officer"]
    services.penalty_register(case=case, user=officer, opinion="予以立案")
    services.penalty_investigate(case=case, user=officer, opinion="开始调查")

    with pytest.raises(ValidationError, match="法定罚款幅度"):
        services.penalty_inform(
            case=case,
            user=officer,
            facts=FACTS,
            level="severe",
            proposed_amount=Decimal("150000"),
            justification=JUSTIFIED,
            opinion="已告知",
        )

    assert PenaltyCase.objects.get(pk=case.pk).state == S.INVESTIGATING


def test_without_a_recorded_legal_range_no_fine_may_leave_the_row(informed, enforcers, penalty_item):
    type(penalty_item).objects.filter(pk=penalty_item.pk).update(legal_fine_min=None, legal_fine_max=None)

    with pytest.raises(ValidationError, match="未登记该事项的法定罚款上限"):
        decide(PenaltyCase.objects.get(pk=informed.pk), enforcers["head"], "80000", JUSTIFIED)
    _unchanged(informed)

    decide(PenaltyCase.objects.get(pk=informed.pk), enforcers["head"], "70000")
    assert PenaltyCase.objects.get(pk=informed.pk).state == S.DECIDED


def test_no_fine_at_all_is_not_below_the_legal_minimum_but_leaves_the_row(informed, enforcers):
    """不予处罚 (art. 33) is a fine of 0: the law allows it, the standard's row asks why."""
    with pytest.raises(ValidationError, match="超出所适用裁量基准的幅度"):
        decide(informed, enforcers["head"], "0")

    decide(informed, enforcers["head"], "0", "初次违法且危害后果轻微并及时改正，依法不予处罚")
    assert (informed.amount, informed.out_of_range) == (Decimal("0"), True)


# The standard's rows lie within the law ---------------------------------------------------------


def test_a_standard_row_above_the_legal_maximum_is_invalid(penalty_item):
    row = DiscretionStandard(item=penalty_item, level="minor", circumstances="初次", amount_min=1, amount_max=120000)

    with pytest.raises(ValidationError) as caught:
        row.full_clean(validate_unique=False)

    assert "amount_max" in caught.value.message_dict


def test_a_standard_row_below_the_legal_minimum_is_invalid(penalty_item):
    row = DiscretionStandard(item=penalty_item, level="minor", circumstances="初次", amount_min=1000, amount_max=60000)

    with pytest.raises(ValidationError) as caught:
        row.full_clean(validate_unique=False)

    assert "amount_min" in caught.value.message_dict


def test_the_legal_minimum_cannot_exceed_the_maximum(penalty_item):
    penalty_item.legal_fine_min = Decimal("200000")

    with pytest.raises(ValidationError) as caught:
        penalty_item.full_clean(validate_unique=False, validate_constraints=False)

    assert "legal_fine_max" in caught.value.message_dict
