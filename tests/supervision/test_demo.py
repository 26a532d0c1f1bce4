import pytest

from portal import demo as portal_demo
from powers import demo as powers_demo
from supervision import demo
from supervision.models import Alert, AlertEvent, Complaint, Rating, SupervisionOrder
from workflow import demo as workflow_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    portal_demo.seed()
    powers_demo.seed()
    workflow_demo.seed()
    demo.seed()


def test_the_dashboard_has_live_red_and_yellow_alerts_and_an_open_order(seeded):
    levels = set(Alert.objects.open().values_list("level", flat=True))
    order = SupervisionOrder.objects.get()

    assert levels == {"red", "yellow"}
    assert order.alert.state == "ordered" and order.answered_at is None
    assert set(Alert.objects.open().values_list("rule__code", flat=True)) >= {"T1", "C1", "E1"}


def test_complaints_and_a_bad_rating_with_its_return_visit(seeded):
    assert set(Complaint.objects.values_list("source", flat=True)) == {"web", "phone"}
    rating = Rating.objects.get()
    assert rating.grade <= 2 and rating.return_visit_at is not None and rating.rectified_at is None


def test_seeding_again_adds_nothing(seeded):
    counts = (Alert.objects.count(), AlertEvent.objects.count(), Complaint.objects.count(), Rating.objects.count())

    demo.seed()

    assert (
        Alert.objects.count(),
        AlertEvent.objects.count(),
        Complaint.objects.count(),
        Rating.objects.count(),
    ) == counts
