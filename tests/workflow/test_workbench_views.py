"""The clerk workbench (internal zone) through the HTTP client: the inbox, a case's page, its actions
and its files, each with the right user and the wrong ones. Assertions are on data, URLs and test
ids; where a message's wording is the point, the page is asked for in English."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from tests.factories import CitizenFactory, PowerItemFactory, StaffFactory, UserFactory
from tests.workflow.conftest import png_upload
from workflow.constants import CaseState
from workflow.models import Case, TrailEntry
from workflow.services import cases as services
from workflow.services.cases import Upload

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
INBOX = "/workbench/"


@pytest.fixture(autouse=True)
def _internal(zone):
    zone("internal")


def _url(case, *parts) -> str:
    return "/".join([f"/workbench/cases/{case.number}", *map(str, parts)]) + "/"


def _numbers(response) -> list[str]:
    return re.findall(r'data-testid="inbox-row" data-number="([^"]+)"', response.content.decode())


def _statuses(response) -> dict[str, str]:
    pairs = re.findall(r'data-number="([^"]+)" data-time-left="([^"]+)"', response.content.decode())
    return dict(pairs)


def _actions(response) -> list[str]:
    return re.findall(r'data-testid="transition" data-action="([^"]+)"', response.content.decode())


def _english(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _accept(case, staff):
    return services.case_accept(case=case, user=staff["window_clerk"], opinion="材料齐全，予以受理")


def _set_due(case, **fields) -> None:
    Case.objects.filter(pk=case.pk).update(**fields)


@pytest.fixture
def clerk(client, staff):
    client.force_login(staff["window_clerk"])
    return staff["window_clerk"]


@pytest.fixture
def other_item(other_department):
    return PowerItemFactory(published=True, department=other_department, name="建筑工程施工许可")


# ---------------------------------------------------------------------------------------------
# Inbox: who sees what
# ---------------------------------------------------------------------------------------------


def test_the_inbox_asks_for_a_login(client):
    response = client.get(INBOX)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_citizen_is_told_the_workbench_is_for_staff(client, citizen, file_case):
    file_case()
    client.force_login(citizen)

    response = client.get(INBOX)

    assert response.status_code == 403
    assert 'data-testid="not-staff"' in response.content.decode()


def test_a_clerk_sees_the_open_cases_of_their_department_only(client, clerk, file_case, other_item, staff):
    mine = file_case()
    refused = file_case()
    services.case_not_accept(
        case=refused, user=clerk, reason="不属于本部门职权", legal_basis="《行政许可法》第三十二条"
    )
    file_case(item=other_item, uploads=[])

    response = client.get(INBOX)

    assert response.status_code == 200
    assert _numbers(response) == [mine.number]


def test_a_clerk_of_another_department_sees_none_of_its_cases(client, file_case, other_department):
    file_case()
    client.force_login(StaffFactory(role="window_clerk", department=other_department))

    response = client.get(INBOX)

    assert response.status_code == 200
    assert _numbers(response) == []
    assert 'data-testid="inbox-empty"' in response.content.decode()


def test_an_inspector_sees_every_departments_open_cases(client, file_case, other_item):
    ours, theirs = file_case(), file_case(item=other_item, uploads=[])
    client.force_login(UserFactory(role="inspector"))

    response = client.get(INBOX)

    assert sorted(_numbers(response)) == sorted([ours.number, theirs.number])


# ---------------------------------------------------------------------------------------------
# Inbox: order, filters, search, colours, queries
# ---------------------------------------------------------------------------------------------


def test_the_most_urgent_case_comes_first(client, clerk, staff, file_case):
    now = timezone.now()
    submitted = file_case()  # due at the end of the intake day
    relaxed, late = _accept(file_case(), staff), _accept(file_case(), staff)
    _set_due(submitted, step_deadline_at=now + timedelta(days=1))
    _set_due(relaxed, deadline_at=now + timedelta(days=8))
    _set_due(late, deadline_at=now - timedelta(days=2))

    assert _numbers(client.get(INBOX)) == [late.number, submitted.number, relaxed.number]


def test_the_state_filter(client, clerk, staff, file_case):
    waiting, accepted = file_case(), _accept(file_case(), staff)

    assert _numbers(client.get(INBOX, {"state": "accepted"})) == [accepted.number]
    assert _numbers(client.get(INBOX, {"state": "submitted"})) == [waiting.number]


def test_an_unknown_state_is_ignored_not_guessed_at(client, clerk, file_case):
    case = file_case()

    assert _numbers(client.get(INBOX, {"state": "nonsense"})) == [case.number]


def test_the_item_filter_takes_every_version_of_the_item(client, clerk, file_case, item, department):
    other = PowerItemFactory(published=True, department=department, name="药品零售许可")
    ours = file_case()
    file_case(item=other, uploads=[])

    response = client.get(INBOX, {"item": item.code})

    assert _numbers(response) == [ours.number]
    assert f'value="{other.code}"' in response.content.decode()  # offered in the list


def test_mine_to_act_on_follows_the_current_steps_role(client, staff, file_case):
    waiting, accepted = file_case(), _accept(file_case(), staff)  # 受理 (clerk), 审查 (reviewer)

    client.force_login(staff["reviewer"])
    assert _numbers(client.get(INBOX, {"mine": "1"})) == [accepted.number]
    client.force_login(staff["window_clerk"])
    assert _numbers(client.get(INBOX, {"mine": "1"})) == [waiting.number]
    assert sorted(_numbers(client.get(INBOX))) == sorted([waiting.number, accepted.number])


def test_overdue_only(client, clerk, staff, file_case):
    late, early = _accept(file_case(), staff), _accept(file_case(), staff)
    _set_due(late, deadline_at=timezone.now() - timedelta(days=1))

    assert _numbers(client.get(INBOX, {"overdue": "1"})) == [late.number]
    assert early.number in _numbers(client.get(INBOX))


@pytest.mark.parametrize("field", ["number", "applicant_name", "applicant_mobile"])
def test_search_by_number_name_or_mobile(client, clerk, file_case, field):
    wanted = file_case(applicant_name="李四", applicant_mobile="13912345678")
    file_case(applicant_name="王五", applicant_mobile="13700000000")
    text = {"number": wanted.number, "applicant_name": "李四", "applicant_mobile": "12345678"}[field]

    assert _numbers(client.get(INBOX, {"q": text})) == [wanted.number]


@pytest.fixture
def accepted_on_monday(calendar_2025_2026, file_case, staff):
    """A case accepted on Monday 2 March 2026: ten working days promised, due on 16 March."""
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI), tick=False):
        case = _accept(file_case(), staff)
    assert timezone.localdate(case.deadline_at).isoformat() == "2026-03-16"
    return case


@pytest.mark.parametrize(
    ("day", "status", "css"),
    [
        (3, "ok", "text-bg-success"),  # nine working days left
        (11, "ok", "text-bg-success"),  # three left: more than 20 % of ten
        (12, "near", "text-bg-warning"),  # two left: 20 %
        (16, "near", "text-bg-warning"),  # due today
        (17, "overdue", "text-bg-danger"),
    ],
)
def test_time_left_is_coloured(client, clerk, accepted_on_monday, day, status, css):
    with time_machine.travel(datetime(2026, 3, day, 9, 0, tzinfo=SHANGHAI), tick=False):
        response = client.get(INBOX)

    assert _statuses(response) == {accepted_on_monday.number: status}
    row = re.search(rf'data-number="{accepted_on_monday.number}".*?</tr>', response.content.decode(), re.S).group(0)
    assert css in row


def test_a_suspended_case_is_grey_even_past_its_deadline(client, clerk, staff, accepted_on_monday):
    with time_machine.travel(datetime(2026, 3, 3, 10, 0, tzinfo=SHANGHAI), tick=False):
        services.case_suspend(case=accepted_on_monday, user=staff["reviewer"], opinion="组织听证", days=20)
    with time_machine.travel(datetime(2026, 3, 30, 9, 0, tzinfo=SHANGHAI), tick=False):
        response = client.get(INBOX)

    assert _statuses(response) == {accepted_on_monday.number: "paused"}
    assert "text-bg-secondary" in response.content.decode()


def test_the_inbox_takes_a_fixed_number_of_queries(client, clerk, staff, file_case, django_assert_max_num_queries):
    for number in range(30):
        case = file_case()
        if number % 2:
            _accept(case, staff)
    client.get(INBOX)  # warm the caches every request would have warm

    with django_assert_max_num_queries(11):  # one of them the set of complete years, for every row
        response = client.get(INBOX, {"q": case.number[:3]})  # every case's prefix

    assert len(_numbers(response)) == 30


def test_the_inbox_pages_by_fifty(client, clerk, file_case):
    # Filing 51 cases through the service is slow: the page size is what is tested here.
    first = file_case()
    for n in range(50):
        Case.objects.create(
            number=f"SP-20260101-{n:06d}",
            query_code="ABCDEFGH",
            item=first.item,
            department=first.department,
            applicant=first.applicant,
            applicant_name="赵六",
            applicant_id_number=first.applicant_id_number,
            applicant_mobile="13800000000",
        )

    page1 = client.get(INBOX)
    page2 = client.get(INBOX, {"page": 2})

    assert len(_numbers(page1)) == 50
    assert len(_numbers(page2)) == 1
    assert set(_numbers(page1)).isdisjoint(_numbers(page2))
    assert 'data-testid="pagination"' in page1.content.decode()


# ---------------------------------------------------------------------------------------------
# A case's page
# ---------------------------------------------------------------------------------------------


def test_the_case_page_shows_the_file(client, clerk, file_case):
    case = file_case(applicant_address="阳光区幸福路1号", description="开办一家面包店")

    response = client.get(_url(case))

    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        case.applicant_name,
        case.applicant_id_number,
        case.applicant_mobile,
        "阳光区幸福路1号",
        "开办一家面包店",
    ):
        assert text in html
    assert html.count('data-testid="attachment"') == 2
    assert re.findall(r'data-testid="trail-entry" data-action="([^"]+)"', html) == ["submit"]
    assert "203.0.113.7" in html  # the filing's client address, in the trail


@pytest.mark.parametrize("who", ["other_clerk", "citizen", "applicant"])
def test_the_case_page_is_absent_for_those_who_do_not_handle_it(client, file_case, other_department, citizen, who):
    case = file_case()
    user = {
        "other_clerk": lambda: StaffFactory(role="window_clerk", department=other_department),
        "citizen": lambda: CitizenFactory(),
        "applicant": lambda: citizen,  # the applicant follows the case on their own pages
    }[who]()
    client.force_login(user)

    assert client.get(_url(case)).status_code == 404


def test_an_inspector_reads_any_case_but_acts_on_none(client, file_case):
    case = file_case()
    client.force_login(UserFactory(role="inspector"))

    response = client.get(_url(case))

    assert response.status_code == 200
    assert _actions(response) == []


def test_a_clerk_is_offered_the_intake_actions_on_a_submitted_case(client, clerk, file_case):
    response = client.get(_url(file_case()))

    assert _actions(response) == ["accept", "request_supplement", "not_accept"]
    html = response.content.decode()
    assert 'name="revision" value="0"' in html
    assert html.count('name="opinion"') == 2  # not_accept asks for a reason and a legal basis instead
    assert 'name="legal_basis"' in html
    assert html.count('name="materials"') == 3  # one checkbox per material of the item


def test_a_reviewer_is_offered_nothing_on_a_submitted_case(client, staff, file_case):
    client.force_login(staff["reviewer"])

    response = client.get(_url(file_case()))

    assert response.status_code == 200
    assert _actions(response) == []
    assert 'data-testid="no-transitions"' in response.content.decode()


def test_a_reviewer_is_offered_the_step_actions_on_an_accepted_case(client, staff, file_case):
    case = _accept(file_case(), staff)
    client.force_login(staff["reviewer"])

    assert _actions(client.get(_url(case))) == ["advance", "return_to_applicant", "suspend"]


# ---------------------------------------------------------------------------------------------
# Actions
# ---------------------------------------------------------------------------------------------


def test_accepting_moves_the_case_and_records_the_address(client, clerk, file_case):
    case = file_case()

    response = client.post(
        _url(case, "accept"), {"opinion": "材料齐全", "revision": case.revision}, REMOTE_ADDR="198.51.100.23"
    )

    assert response.status_code == 302
    assert response["Location"] == _url(case)
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED and case.revision == 1
    entry = case.trail.get(action="accept")
    assert (entry.actor, entry.opinion, entry.client_address) == (clerk, "材料齐全", "198.51.100.23")
    assert entry.from_state == CaseState.SUBMITTED and entry.to_state == CaseState.ACCEPTED


def test_an_action_without_an_opinion_is_refused_and_changes_nothing(client, clerk, file_case):
    case = file_case()

    response = client.post(_url(case, "accept"), {"opinion": "   ", "revision": case.revision})

    assert response.status_code == 400
    assert 'class="invalid-feedback d-block"' in response.content.decode()
    assert 'class="collapse show" id="action-accept"' in response.content.decode()
    case.refresh_from_db()
    assert (case.state, case.revision, case.trail.count()) == (CaseState.SUBMITTED, 0, 1)


def test_an_action_without_the_pages_revision_is_refused(client, clerk, file_case):
    case = file_case()

    response = client.post(_url(case, "accept"), {"opinion": "材料齐全"})

    assert response.status_code == 400
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED


def test_the_case_page_takes_a_fixed_number_of_queries(client, clerk, staff, file_case, django_assert_max_num_queries):
    case = file_case()
    services.case_request_supplement(case=case, user=clerk, materials=list(case.item.materials.all()), opinion="缺")
    client.get(_url(case))

    with django_assert_max_num_queries(16):
        response = client.get(_url(case))

    assert response.status_code == 200


def test_a_page_out_of_date_is_refused_and_changes_nothing(client, clerk, staff, file_case):
    case = file_case()
    shown = case.revision
    services.case_request_supplement(case=case, user=staff["window_clerk"], materials=[], opinion="缺少签字")
    _english(client)

    response = client.post(
        _url(case, "not_accept"), {"reason": "重复申请", "legal_basis": "第三十二条", "revision": shown}, follow=True
    )

    assert response.status_code == 200
    assert "has been handled by someone else" in response.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.SUPPLEMENT
    assert not case.trail.filter(action="not_accept").exists()


def test_not_accepting_needs_a_legal_basis(client, clerk, file_case):
    case = file_case()

    response = client.post(_url(case, "not_accept"), {"reason": "不属于受理范围", "legal_basis": "", "revision": 0})

    assert response.status_code == 400
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED


def test_not_accepting_with_reason_and_basis(client, clerk, file_case):
    case = file_case()

    client.post(
        _url(case, "not_accept"), {"reason": "不属于受理范围", "legal_basis": "《行政许可法》第三十二条", "revision": 0}
    )

    case.refresh_from_db()
    assert case.state == CaseState.NOT_ACCEPTED
    assert (case.refusal_reason, case.refusal_basis) == ("不属于受理范围", "《行政许可法》第三十二条")


def test_asking_for_missing_materials_lists_the_ticked_ones(client, clerk, file_case, item):
    case = file_case()
    licence = item.materials.get(name="营业执照")

    client.post(
        _url(case, "request_supplement"), {"opinion": "营业执照已过期", "materials": [licence.pk], "revision": 0}
    )

    case.refresh_from_db()
    assert case.state == CaseState.SUPPLEMENT
    assert list(case.supplement_requests.get().materials.all()) == [licence]


def test_suspending_needs_the_expected_days(client, staff, file_case):
    case = _accept(file_case(), staff)
    client.force_login(staff["reviewer"])

    refused = client.post(_url(case, "suspend"), {"opinion": "组织专家评审", "revision": case.revision})
    client.post(_url(case, "suspend"), {"opinion": "组织专家评审", "days": 5, "revision": case.revision})

    assert refused.status_code == 400
    case.refresh_from_db()
    assert case.state == CaseState.SUSPENDED and case.pauses.get().days == 5


def test_an_action_the_user_may_not_take_is_forbidden(client, staff, file_case):
    case = file_case()
    client.force_login(staff["reviewer"])

    response = client.post(_url(case, "accept"), {"opinion": "越权受理", "revision": 0})

    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED


def test_an_action_on_another_departments_case_is_not_found(client, file_case, other_department):
    case = file_case()
    client.force_login(StaffFactory(role="window_clerk", department=other_department))

    assert client.post(_url(case, "accept"), {"opinion": "受理", "revision": 0}).status_code == 404
    assert Case.objects.get(pk=case.pk).state == CaseState.SUBMITTED


def test_an_unknown_action_is_not_found_and_a_get_is_refused(client, clerk, file_case):
    case = file_case()

    assert client.post(_url(case, "resubmit"), {"opinion": "x", "revision": 0}).status_code == 404
    assert client.post(_url(case, "delete"), {"opinion": "x", "revision": 0}).status_code == 404
    assert client.get(_url(case, "accept")).status_code == 405


def test_a_whole_case_through_the_workbench(client, staff, file_case):
    case = file_case()
    steps = [
        ("window_clerk", "accept", {"opinion": "材料齐全"}),
        ("reviewer", "advance", {"opinion": "审查通过"}),
        ("approver", "approve", {"opinion": "准予许可"}),
        ("window_clerk", "conclude", {"opinion": "证照已送达"}),
    ]
    for role, action, data in steps:
        client.force_login(staff[role])
        case.refresh_from_db()
        assert action in _actions(client.get(_url(case)))
        assert client.post(_url(case, action), {**data, "revision": case.revision}).status_code == 302

    case.refresh_from_db()
    assert case.state == CaseState.CONCLUDED
    assert list(case.trail.values_list("action", flat=True)) == ["submit", "accept", "advance", "approve", "conclude"]
    assert TrailEntry.objects.filter(case=case, client_address="127.0.0.1").count() == 4


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def test_an_attachment_is_served_inline_with_its_type_and_nosniff(client, clerk, file_case):
    case = file_case()
    attachment = case.attachments.first()

    response = client.get(_url(case, "attachments", attachment.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Frame-Options"] == "SAMEORIGIN"  # previewed in a frame of the case page
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_an_image_is_shown_on_the_page_as_an_image(client, clerk, file_case, item):
    materials = list(item.materials.filter(required=True))
    case = file_case(uploads=[Upload(materials[0], png_upload()), Upload(materials[1], png_upload("执照.png"))])
    attachment = case.attachments.first()

    page = client.get(_url(case)).content.decode()
    response = client.get(_url(case, "attachments", attachment.pk))

    assert (
        f'<img class="img-fluid border rounded mt-2 workbench-preview" src="{_url(case, "attachments", attachment.pk)}"'
        in page
    )
    assert response["Content-Type"] == "image/png"


@pytest.mark.parametrize("who", ["other_clerk", "citizen", "applicant"])
def test_attachments_are_absent_for_those_who_do_not_handle_the_case(client, file_case, other_department, citizen, who):
    case = file_case()
    user = {
        "other_clerk": lambda: StaffFactory(role="window_clerk", department=other_department),
        "citizen": lambda: CitizenFactory(),
        "applicant": lambda: citizen,
    }[who]()
    client.force_login(user)

    assert client.get(_url(case, "attachments", case.attachments.first().pk)).status_code == 404


def test_an_attachment_is_reached_through_its_own_case_only(client, clerk, file_case):
    case, other = file_case(), file_case()

    assert client.get(_url(case, "attachments", other.attachments.first().pk)).status_code == 404


def test_the_notice_of_acceptance_downloads_as_a_pdf(client, clerk, staff, file_case, other_department):
    case = _accept(file_case(), staff)
    document = case.documents.get()

    page = client.get(_url(case)).content.decode()
    response = client.get(_url(case, "documents", document.pk))

    assert _url(case, "documents", document.pk) in page
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF")

    client.force_login(StaffFactory(role="window_clerk", department=other_department))
    assert client.get(_url(case, "documents", document.pk)).status_code == 404
