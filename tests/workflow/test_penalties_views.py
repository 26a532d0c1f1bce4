"""The penalty pages through the HTTP client, each with the right and the wrong user."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import CitizenFactory
from tests.workflow.conftest import penalty_item_of
from workflow.constants import PenaltyState as S
from workflow.models import PenaltyCase
from workflow.services import penalties as services

FACTS = "李四自2026年9月起在幸福路8号无证经营熟食，联系电话13912345678。"


def inform(case, officer, **overrides):
    fields = {
        "facts": FACTS,
        "level": "general",
        "proposed_amount": Decimal("65000"),
        "opinion": "已告知陈述、申辩和听证权利",
    } | overrides
    services.penalty_register(case=case, user=officer, opinion="予以立案")
    services.penalty_investigate(case=case, user=officer, opinion="调查取证")
    services.penalty_inform(case=case, user=officer, **fields)
    return case


@pytest.fixture
def decided(open_clue, enforcers):
    case = inform(open_clue(), enforcers["officer"])
    services.penalty_decide(
        case=case, user=enforcers["head"], amount=Decimal("65000"), decision="没收违法所得，并处罚款。"
    )
    return case


def post_step(client, case, action, follow=False, **data):
    return client.post(f"/penalties/{case.number}/{action}/", {"revision": case.revision, **data}, follow=follow)


# The officers' pages ------------------------------------------------------------------------------


def test_the_list_shows_the_departments_cases_only(client, open_clue, enforcers, other_department):
    ours = open_clue()
    other_item = penalty_item_of(other_department, "CF-YG-ZJJ-0001", "对建筑施工的处罚")
    theirs = open_clue(user=enforcers["other_officer"], item=other_item)
    client.force_login(enforcers["officer"])

    html = client.get("/penalties/").content.decode()

    assert ours.number in html and theirs.number not in html
    assert client.get(f"/penalties/{theirs.number}/").status_code == 404


def test_a_citizen_may_not_see_penalty_cases(client, open_clue):
    case = open_clue()
    client.force_login(CitizenFactory())

    assert client.get("/penalties/").status_code == 403
    assert client.get(f"/penalties/{case.number}/").status_code == 404


def test_an_officer_records_a_clue(client, enforcers, penalty_item):
    client.force_login(enforcers["officer"])
    data = {
        "item": penalty_item.pk,
        "party_name": "阳光区好味餐饮店",
        "party_id_number": "92110101MA01ABCD2X",
        "party_mobile": "13912345678",
        "clue": "市场巡查发现无证经营。",
    }

    response = client.post("/penalties/new/", data)

    case = PenaltyCase.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/penalties/{case.number}/"
    assert (case.state, case.party_id_number, case.item) == (S.CLUE, "92110101MA01ABCD2X", penalty_item)


def test_a_clue_with_a_bad_id_number_is_refused_with_a_message(client, enforcers, penalty_item):
    client.force_login(enforcers["officer"])
    data = {"item": penalty_item.pk, "party_name": "李四", "party_id_number": "12345", "clue": "举报"}

    response = client.post("/penalties/new/", data)

    assert response.status_code == 400
    assert "请填写 18 位居民身份证号码或统一社会信用代码" in response.content.decode()
    assert not PenaltyCase.objects.exists()


def test_a_head_may_not_record_a_clue(client, enforcers):
    client.force_login(enforcers["head"])

    assert client.get("/penalties/new/").status_code == 403


def test_the_case_page_shows_the_standard_and_the_proposal(client, open_clue, enforcers):
    case = inform(open_clue(), enforcers["officer"])
    client.force_login(enforcers["head"])

    html = client.get(f"/penalties/{case.number}/").content.decode()

    assert "系统建议：“一般”情节，罚款 60001 – 75000 元" in html
    assert "违法经营时间一个月以上不足三个月" in html
    assert 'data-testid="transition-form-decide"' in html


def test_informing_with_a_fine_out_of_range_and_no_justification_is_refused(client, open_clue, enforcers):
    case = open_clue()
    services.penalty_register(case=case, user=enforcers["officer"], opinion="予以立案")
    services.penalty_investigate(case=case, user=enforcers["officer"], opinion="调查")
    client.force_login(enforcers["officer"])

    response = post_step(
        client, case, "inform", facts=FACTS, level="general", proposed_amount="55000", opinion="已告知"
    )

    assert response.status_code == 400
    assert "罚款 55000 元超出所适用裁量基准的幅度（一般：60001–75000 元），请书面说明理由" in response.content.decode()
    assert PenaltyCase.objects.get(pk=case.pk).state == S.INVESTIGATING


def test_an_officer_may_not_decide(client, open_clue, enforcers):
    case = inform(open_clue(), enforcers["officer"])
    client.force_login(enforcers["officer"])

    response = post_step(client, case, "decide", amount="65000", decision="罚款")

    assert response.status_code == 403
    assert PenaltyCase.objects.get(pk=case.pk).state == S.INFORMED


def test_the_head_decides_and_the_decision_can_be_downloaded(client, open_clue, enforcers):
    case = inform(open_clue(), enforcers["officer"])
    client.force_login(enforcers["head"])

    response = post_step(client, case, "decide", amount="70000", decision="没收违法所得，并处罚款。")

    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.state, case.amount) == (S.DECIDED, Decimal("70000"))
    document = client.get(f"/penalties/{case.number}/decision/")
    assert document["Content-Type"] == "application/pdf"
    assert b"".join(document.streaming_content).startswith(b"%PDF")


def test_a_step_from_a_stale_page_is_refused_with_a_message(client, open_clue, enforcers):
    case = open_clue()
    client.force_login(enforcers["officer"])
    post_step(client, case, "register", opinion="予以立案")

    response = post_step(client, case, "register", opinion="予以立案", follow=True)

    assert "已有他人办理" in response.content.decode()
    assert PenaltyCase.objects.get(pk=case.pk).trail.filter(action="register").count() == 1


# The public page ----------------------------------------------------------------------------------


def test_the_public_page_shows_decisions_with_personal_data_masked(client, decided, open_clue):
    undecided = open_clue(party_name="王五")

    html = client.get("/public/penalties/").content.decode()

    assert decided.number in html and undecided.number not in html
    assert "李**" in html and "1101**********1237" in html and "139****5678" in html
    for personal in ("李四", "110101199001011237", "13912345678", "王五"):
        assert personal not in html
    assert "李**自2026年9月起在幸福路8号无证经营熟食" in html


def test_the_public_page_is_served_on_the_external_zone_and_the_officers_pages_are_not(client, zone, decided):
    zone("external")

    assert client.get("/public/penalties/").status_code == 200
    assert client.get("/penalties/").status_code == 404


# Statistics -------------------------------------------------------------------------------------


def test_the_statistics_place_each_fine_against_the_ranges(client, open_clue, enforcers, penalty_item):
    head = enforcers["head"]
    # A law without a minimum, so that a fine can fall below every row of the standard.
    penalty_item.legal_fine_min = None
    penalty_item.save(update_fields=["legal_fine_min"])
    for amount in ["65000", "70000", "55000", "40000", "60000.5"]:
        case = inform(open_clue(), enforcers["officer"], level="minor", proposed_amount=Decimal("55000"))
        services.penalty_decide(case=case, user=head, amount=Decimal(amount), decision="罚款", justification="听证后")
    client.force_login(enforcers["inspector"])

    html = client.get("/penalties/stats/").content.decode()

    row = html[html.index(f'data-item="{penalty_item.code}"') :]
    cells = [int(cell.split(">")[1].split("<")[0]) for cell in row.split('data-testid="cell"')[1:8]]
    # below, minor, general, serious, severe, between two ranges, above
    assert cells == [1, 1, 2, 0, 0, 1, 0]


def test_an_officer_may_not_see_the_statistics(client, enforcers):
    client.force_login(enforcers["officer"])

    assert client.get("/penalties/stats/").status_code == 403


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/penalties/", "/public/penalties/", "/penalties/stats/"])
def test_the_lists_read_as_many_queries_for_four_cases_as_for_one(client, open_clue, enforcers, url):
    def decide_one():
        case = inform(open_clue(), enforcers["officer"])
        services.penalty_decide(case=case, user=enforcers["head"], amount=Decimal("65000"), decision="罚款")

    decide_one()
    client.force_login(enforcers["head"])
    one = _queries(client, url)
    for _ in range(3):
        decide_one()

    assert _queries(client, url) == one
