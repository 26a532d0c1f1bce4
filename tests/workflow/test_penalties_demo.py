"""The demo penalty cases: every state, one fine out of range, and rules P1–P3 all showing."""

import pytest

from portal import demo as portal_demo
from powers import demo as powers_demo
from supervision.models import Alert
from supervision.services.sweep import sweep
from workflow import demo_penalties
from workflow.constants import PenaltyState
from workflow.models import PenaltyCase, TrailEntry
from workflow.services.trail import trail_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    portal_demo.seed()
    powers_demo.seed()
    demo_penalties.seed()


def test_seeding_twice_creates_the_cases_once(seeded):
    counts = (PenaltyCase.objects.count(), TrailEntry.objects.count())

    demo_penalties.seed()

    assert (PenaltyCase.objects.count(), TrailEntry.objects.count()) == counts


def test_seeding_without_the_demo_users_and_items_adds_no_case():
    demo_penalties.seed()

    assert not PenaltyCase.objects.exists()


def test_every_state_appears_with_one_fine_out_of_range_and_an_intact_trail(seeded):
    assert set(PenaltyCase.objects.values_list("state", flat=True)) == set(PenaltyState.values)
    out_of_range = PenaltyCase.objects.get(out_of_range=True)
    assert out_of_range.justification and out_of_range.decision_document
    assert PenaltyCase.objects.filter(cause_changes__isnull=False).exists()
    assert trail_verify()[1] is None


def test_the_sweep_raises_every_penalty_rule(seeded):
    sweep(codes=["P1", "P2", "P3"])

    found = set(Alert.objects.open().values_list("rule__code", "level"))
    assert found == {("P1", "yellow"), ("P1", "red"), ("P2", "red"), ("P3", "yellow"), ("P3", "red")}
