"""The public ranking of the external zone is the month's ranking computed inside, sent out.

Both zones share the test database here: the internal zone computes (its packet queued), then the
scores only the internal zone would hold are deleted and the external zone applies the packet as
it travelled (its wire bytes).
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from supervision.models import DepartmentScore
from supervision.services.scores import department_scores_compute
from tests.factories import DepartmentFactory, PowerItemFactory
from tests.workflow import conftest as workflow_fixtures
from workflow.constants import CaseState
from workflow.exchange import services
from workflow.exchange.models import InboundPacket, InboundState, OutboundPacket
from workflow.exchange.packets import Kind
from workflow.exchange.transports import LocalTransport
from workflow.models import Case

pytestmark = pytest.mark.django_db

MONTH = date(2026, 10, 1)

# The workflow tests' fixtures: 阳光区市场监督管理局 (YG-SJJ) with an item, a citizen, filing.
department = workflow_fixtures.department
item = workflow_fixtures.item
citizen = workflow_fixtures.citizen
file_case = workflow_fixtures.file_case


@pytest.fixture
def october(file_case, department):
    """Two departments, each with a case concluded on time in October."""
    other = PowerItemFactory(published=True, department=DepartmentFactory(code="YG-ZJJ", name="阳光区住房和城乡建设局"))
    file_case()
    file_case(item=other, uploads=[])
    concluded = datetime(2026, 10, 15, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    Case.objects.update(state=CaseState.CONCLUDED, concluded_at=concluded, deadline_at=concluded + timedelta(days=5))
    return concluded


@pytest.fixture
def computed(zone, october):
    zone("internal")
    department_scores_compute(month=MONTH)
    return OutboundPacket.objects.get(kind=Kind.RANKING_PUBLISHED)


def _scores() -> dict[str, tuple]:
    rows = DepartmentScore.objects.values_list("department__code", "score", "rank")
    return {code: (score, rank) for code, score, rank in rows}


def test_computing_a_month_inside_sends_its_public_ranking_only(computed):
    payload = computed.envelope["payload"]

    assert computed.stream == "ranking:2026-10" and payload["month"] == "2026-10-01"
    assert sorted(row["department"]["code"] for row in payload["scores"]) == ["YG-SJJ", "YG-ZJJ"]
    # The alerts, complaints and ratings behind a score stay inside.
    assert set(payload["scores"][0]) == {"department", "score", "rank", "concluded", "on_time"}


def test_the_external_zone_shows_the_ranking_it_was_sent(zone, computed, client):
    wire = services._wire(computed)
    DepartmentScore.objects.all().delete()  # the external zone has none of its own
    zone("external")

    services.packet_receive(wire)
    services.packets_apply()

    assert InboundPacket.objects.get().state == InboundState.APPLIED
    response = client.get("/public/rankings/", {"month": "2026-10"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "阳光区市场监督管理局" in html and "阳光区住房和城乡建设局" in html
    assert DepartmentScore.objects.filter(month=MONTH).count() == 2


def test_a_month_computed_again_replaces_the_ranking_outside(zone, computed, october):
    first = services._wire(computed)
    zone("internal")
    # 住建局's case turns out to have been concluded late: computed again, it falls behind.
    Case.objects.filter(department__code="YG-ZJJ").update(deadline_at=october - timedelta(days=1))
    department_scores_compute(month=MONTH)
    inside = _scores()
    second = services._wire(OutboundPacket.objects.get(kind=Kind.RANKING_PUBLISHED, seq=2))
    DepartmentScore.objects.all().delete()
    zone("external")

    for wire in (first, second):
        services.packet_receive(wire)
    services.packets_apply()

    assert _scores() == inside and inside["YG-ZJJ"][1] == 2
    assert InboundPacket.objects.filter(state=InboundState.APPLIED).count() == 2


def test_the_single_zone_keeps_its_own_ranking(zone, october):
    zone("single")
    department_scores_compute(month=MONTH)
    kept = DepartmentScore.objects.order_by("pk").values_list("department__code", "score", "computed_at")
    before = list(kept)

    services.exchange_once(LocalTransport())

    assert InboundPacket.objects.get(kind=Kind.RANKING_PUBLISHED).state == InboundState.APPLIED
    assert list(kept.all()) == before  # read again
