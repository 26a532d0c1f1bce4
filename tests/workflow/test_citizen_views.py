"""The citizen's pages (external zone), end to end through the HTTP client: filing, following,
supplementing, withdrawing, downloading and tracking, each with the wrong user too."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse

from portal.blobs import BLOB_DIR
from tests.factories import CitizenFactory, PowerItemFactory, StaffFactory
from tests.workflow.conftest import PDF, pdf_upload, png_upload
from workflow.constants import CaseState
from workflow.models import Attachment, Case, Notification
from workflow.services import cases as services

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)  # no holiday for weeks either side


@pytest.fixture
def monday(time_machine):
    time_machine.move_to(MONDAY, tick=False)


def apply_url(item) -> str:
    return reverse("workflow:apply", kwargs={"code": item.code})


def case_url(case) -> str:
    return reverse("workflow:my_case", kwargs={"number": case.number})


def field_name(material) -> str:
    return f"material_{material.pk}"


def application(item, citizen, **files) -> dict:
    """A complete application: the applicant's details and a PDF for each required material."""
    data = {
        "applicant_name": citizen.name,
        "applicant_id_number": citizen.id_number,
        "applicant_mobile": citizen.mobile,
        "applicant_email": "zhangsan@example.cn",
        "applicant_address": "阳光区人民路1号",
        "description": "开办一家小餐馆",
    }
    for material in item.materials.filter(required=True):
        data[field_name(material)] = pdf_upload(f"{material.name}.pdf")
    return data | files


def stored_case_files() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / BLOB_DIR
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def assert_nothing_stored():
    assert Case.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert stored_case_files() == []


# Filing ---------------------------------------------------------------------------------------------


def test_filing_with_two_uploads_creates_the_case_and_confirms_its_number_and_query_code(client, item, citizen):
    client.force_login(citizen)

    response = client.post(apply_url(item), application(item, citizen))

    case = Case.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("workflow:apply_done", kwargs={"number": case.number})
    assert case.applicant == citizen and case.state == CaseState.SUBMITTED
    assert case.applicant_email == "zhangsan@example.cn" and case.description == "开办一家小餐馆"
    assert case.attachments.count() == 2
    assert len(stored_case_files()) == len({attachment.sha256 for attachment in case.attachments.all()})
    assert case.trail.get().client_address == "127.0.0.1"
    page = client.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-testid="case-number">{case.number}<' in html
    assert f'data-testid="query-code">{case.query_code}<' in html
    assert reverse("workflow:my_case", kwargs={"number": case.number}) in html


def test_filing_also_takes_the_optional_material_and_an_image(client, item, citizen):
    optional = item.materials.get(required=False)
    client.force_login(citizen)

    client.post(apply_url(item), application(item, citizen, **{field_name(optional): png_upload("证明.png")}))

    attachment = Case.objects.get().attachments.get(material=optional)
    assert attachment.content_type == "image/png"


def test_a_file_named_pdf_that_is_not_a_pdf_is_refused_and_nothing_is_stored(client, item, citizen):
    licence = item.materials.get(name="营业执照")
    client.force_login(citizen)
    fake = pdf_upload("营业执照.pdf", content=b"MZ\x90\x00 this is a program, not a document" * 10)

    response = client.post(apply_url(item), application(item, citizen, **{field_name(licence): fake}))

    assert response.status_code == 200
    assert response.context["form"].has_error(field_name(licence), code="bad_type")
    assert "营业执照.pdf" in response.content.decode()
    assert 'data-testid="form-error"' in response.content.decode()
    assert_nothing_stored()


def test_an_oversize_file_is_refused_with_the_limit_and_nothing_is_stored(client, item, citizen, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    form = item.materials.get(name="申请书")
    client.force_login(citizen)
    big = pdf_upload("申请书.pdf", content=PDF + b"%" * 2048)

    response = client.post(apply_url(item), application(item, citizen, **{field_name(form): big}))

    assert response.context["form"].has_error(field_name(form), code="too_large")
    assert "申请书.pdf" in response.content.decode()
    assert_nothing_stored()


def test_a_missing_required_material_is_refused_by_name_and_nothing_is_stored(client, item, citizen):
    licence = item.materials.get(name="营业执照")
    client.force_login(citizen)
    data = application(item, citizen)
    del data[field_name(licence)]

    response = client.post(apply_url(item), data)

    assert response.context["form"].has_error(field_name(licence), code="required")
    assert "营业执照" in response.context["form"].errors[field_name(licence)][0]
    assert_nothing_stored()


def test_a_wrong_identity_card_number_or_mobile_is_refused(client, item, citizen):
    client.force_login(citizen)
    data = application(item, citizen, applicant_id_number="110101199001011234", applicant_mobile="12345")

    response = client.post(apply_url(item), data)

    form = response.context["form"]
    assert form.has_error("applicant_id_number") and form.has_error("applicant_mobile", code="invalid_mobile")
    assert_nothing_stored()


def test_the_form_is_prefilled_from_the_account_and_lists_the_materials(client, item, citizen):
    client.force_login(citizen)

    response = client.get(apply_url(item))

    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{citizen.name}"' in html
    assert f'value="{citizen.id_number}"' in html
    assert f'value="{citizen.mobile}"' in html
    assert item.name in html and item.department.name in html
    for material in item.materials.all():
        assert f'name="{field_name(material)}"' in html
    assert 'accept=".pdf,.jpg,.jpeg,.png"' in html
    required = response.context["form"].fields
    assert [required[field_name(m)].required for m in item.materials.order_by("position")] == [True, True, False]


def test_an_item_not_published_cannot_be_applied_for(client, department, citizen):
    draft = PowerItemFactory(department=department)
    client.force_login(citizen)

    assert client.get(apply_url(draft)).status_code == 404
    assert client.post(apply_url(draft), {}).status_code == 404


def test_a_penalty_item_cannot_be_applied_for(client, department, citizen):
    penalty = PowerItemFactory(published=True, department=department, category="CF")
    client.force_login(citizen)

    assert client.get(apply_url(penalty)).status_code == 404


def test_applying_needs_a_login(client, item):
    response = client.get(apply_url(item))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_member_of_staff_cannot_file_an_application(client, item, staff):
    client.force_login(staff["window_clerk"])

    assert client.get(apply_url(item)).status_code == 403


def test_the_confirmation_is_only_for_the_applicant(client, file_case):
    case = file_case()
    client.force_login(CitizenFactory())

    assert client.get(reverse("workflow:apply_done", kwargs={"number": case.number})).status_code == 404


# My cases ---------------------------------------------------------------------------------------------


def test_my_cases_lists_my_cases_newest_first_with_unread_notifications(
    client, file_case, citizen, staff, django_assert_max_num_queries
):
    first, second = file_case(), file_case()
    services.case_accept(case=first, user=staff["window_clerk"], opinion="材料齐全")
    someone_else = file_case(applicant=CitizenFactory())
    client.force_login(citizen)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("workflow:my_cases"))

    html = response.content.decode()
    cases = list(response.context["page_obj"].object_list)
    assert cases == [second, first]
    assert [case.unread for case in cases] == [1, 2]
    assert someone_else.number not in html
    assert 'data-testid="unread-total">3<' in html
    assert html.count('data-testid="notification"') == 3


def test_my_cases_pages_by_twenty(client, file_case, citizen):
    for _ in range(21):
        file_case()
    client.force_login(citizen)

    first = client.get(reverse("workflow:my_cases"))
    second = client.get(reverse("workflow:my_cases"), {"page": 2})

    assert len(first.context["page_obj"].object_list) == 20
    assert len(second.context["page_obj"].object_list) == 1


def test_another_citizens_case_is_not_found(client, file_case):
    case = file_case()
    client.force_login(CitizenFactory())

    assert client.get(case_url(case)).status_code == 404
    assert client.post(reverse("workflow:withdraw", kwargs={"number": case.number}), {}).status_code == 404
    assert client.post(reverse("workflow:supplement", kwargs={"number": case.number}), {}).status_code == 404
    assert case.trail.count() == 1


def test_my_case_needs_a_login(client, file_case):
    case = file_case()

    response = client.get(case_url(case))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_timeline_shows_the_steps_done_current_and_to_come_and_the_working_days_left(
    client, file_case, citizen, staff, monday
):
    case = file_case()
    services.case_accept(case=case, user=staff["window_clerk"], opinion="材料齐全，予以受理")
    client.force_login(citizen)

    response = client.get(case_url(case))

    html = response.content.decode()
    timeline = response.context["timeline"]
    assert [(step.name, step.status) for step in timeline.steps] == [
        ("受理", "done"),
        ("审查", "current"),
        ("决定", "upcoming"),
        ("送达", "upcoming"),
    ]
    assert 'data-testid="current-step">审查<' in html
    assert 'data-days="10"' in html  # accepted Monday 2 March, ten working days promised: Monday 16 March
    assert 'data-testid="deadline">2026-03-16<' in html
    assert [event.action for event in timeline.events] == ["submit", "accept"]
    assert "材料齐全，予以受理" in html  # the applicant reads the opinion
    assert staff["window_clerk"].name not in html  # but never the clerk's name


def test_opening_a_case_marks_its_notifications_read(client, file_case, citizen):
    case = file_case()
    other = file_case()
    client.force_login(citizen)

    response = client.get(case_url(case))

    assert 'data-testid="notification"' in response.content.decode()
    assert not Notification.objects.filter(case=case, read_at__isnull=True).exists()
    assert Notification.objects.filter(case=other, read_at__isnull=True).count() == 1


def test_pauses_are_shown_with_their_reason(client, file_case, citizen, staff):
    case = file_case()
    services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")
    services.case_suspend(case=case, user=staff["reviewer"], opinion="需组织专家评审", days=5)
    client.force_login(citizen)

    html = client.get(case_url(case)).content.decode()

    assert 'data-kind="suspension"' in html
    assert "需组织专家评审" in html


# Supplement and correction ---------------------------------------------------------------------------------


def test_answering_a_supplement_request_sends_the_case_back_with_the_files(client, file_case, citizen, staff, item):
    licence = item.materials.get(name="营业执照")
    case = file_case()
    services.case_request_supplement(
        case=case, user=staff["window_clerk"], materials=[licence], opinion="营业执照已过期，请提供有效的"
    )
    case.refresh_from_db()
    client.force_login(citizen)

    page = client.get(case_url(case)).content.decode()
    assert 'data-testid="requested-materials"' in page and "营业执照已过期" in page

    response = client.post(
        reverse("workflow:supplement", kwargs={"number": case.number}),
        {"revision": case.revision, field_name(licence): pdf_upload("新营业执照.pdf"), "note": "已更新"},
    )

    case.refresh_from_db()
    assert response.status_code == 302 and response.url == case_url(case)
    assert case.state == CaseState.SUBMITTED
    request = case.supplement_requests.get()
    assert request.answered_at is not None
    assert list(request.attachments.values_list("name", flat=True)) == ["新营业执照.pdf"]
    assert case.attachments.count() == 3
    assert case.trail.last().action == "resubmit" and case.trail.last().opinion == "已更新"


def test_a_supplement_without_the_requested_material_changes_nothing(client, file_case, citizen, staff, item):
    licence = item.materials.get(name="营业执照")
    case = file_case()
    services.case_request_supplement(case=case, user=staff["window_clerk"], materials=[licence], opinion="请补正")
    case.refresh_from_db()
    client.force_login(citizen)

    response = client.post(reverse("workflow:supplement", kwargs={"number": case.number}), {"revision": case.revision})

    assert response.status_code == 200
    assert response.context["supplement_form"].has_error(field_name(licence), code="required")
    case.refresh_from_db()
    assert case.state == CaseState.SUPPLEMENT and case.attachments.count() == 2


def test_a_returned_case_is_resubmitted_to_its_step(client, file_case, citizen, staff):
    case = file_case()
    services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")
    services.case_return(case=case, user=staff["reviewer"], opinion="申请书未签名")
    case.refresh_from_db()
    client.force_login(citizen)

    assert "申请书未签名" in client.get(case_url(case)).content.decode()
    client.post(reverse("workflow:supplement", kwargs={"number": case.number}), {"revision": case.revision})

    case.refresh_from_db()
    assert case.state == CaseState.REVIEWING
    assert case.pauses.get().ended_at is not None


def test_nothing_can_be_handed_in_on_a_case_waiting_for_the_department(client, file_case, citizen):
    case = file_case()
    client.force_login(citizen)

    response = client.post(
        reverse("workflow:supplement", kwargs={"number": case.number}), {"revision": case.revision}, follow=True
    )

    assert response.redirect_chain == [(case_url(case), 302)]
    assert len(list(response.context["messages"])) == 1
    assert case.trail.count() == 1


# Withdrawal -------------------------------------------------------------------------------------------------


def test_the_applicant_withdraws_after_confirming(client, file_case, citizen):
    case = file_case()
    client.force_login(citizen)

    response = client.post(
        reverse("workflow:withdraw", kwargs={"number": case.number}),
        {"revision": case.revision, "confirm": "on", "reason": "不再需要"},
    )

    case.refresh_from_db()
    assert response.status_code == 302
    assert case.state == CaseState.WITHDRAWN
    assert case.trail.last().opinion == "不再需要"


def test_withdrawing_without_ticking_the_confirmation_changes_nothing(client, file_case, citizen):
    case = file_case()
    client.force_login(citizen)

    response = client.post(reverse("workflow:withdraw", kwargs={"number": case.number}), {"revision": case.revision})

    assert response.context["withdraw_form"].has_error("confirm")
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED


def test_withdrawing_from_an_out_of_date_page_is_refused_with_a_message(client, file_case, citizen, staff):
    case = file_case()
    shown = case.revision
    services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")
    client.force_login(citizen)

    response = client.post(
        reverse("workflow:withdraw", kwargs={"number": case.number}),
        {"revision": shown, "confirm": "on"},
        follow=True,
    )

    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED
    assert [message.level_tag for message in response.context["messages"]] == ["error"]


def test_a_decided_case_cannot_be_withdrawn(client, file_case, citizen, staff):
    case = file_case()
    services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")
    services.case_advance(case=case, user=staff["reviewer"], opinion="审查通过")
    services.case_approve(case=case, user=staff["approver"], opinion="准予许可")
    client.force_login(citizen)

    assert 'data-testid="withdraw-form"' not in client.get(case_url(case)).content.decode()
    client.post(reverse("workflow:withdraw", kwargs={"number": case.number}), {"revision": 3, "confirm": "on"})

    case.refresh_from_db()
    assert case.state == CaseState.APPROVED


# Documents ---------------------------------------------------------------------------------------------------


def test_the_applicant_downloads_the_notice_of_acceptance(client, file_case, citizen, staff):
    case = file_case()
    services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")
    notice = case.documents.get()
    client.force_login(citizen)
    url = reverse("workflow:my_document", kwargs={"number": case.number, "document_id": notice.pk})

    assert url in client.get(case_url(case)).content.decode()
    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_nobody_else_downloads_the_applicants_documents(client, file_case, staff):
    case = file_case()
    services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")
    notice = case.documents.get()
    url = reverse("workflow:my_document", kwargs={"number": case.number, "document_id": notice.pk})
    other = CitizenFactory()
    own = file_case(applicant=other)
    client.force_login(other)

    assert client.get(url).status_code == 404
    # nor through one's own case number
    own_url = reverse("workflow:my_document", kwargs={"number": own.number, "document_id": notice.pk})
    assert client.get(own_url).status_code == 404


# Tracking ------------------------------------------------------------------------------------------------------


def test_tracking_with_the_right_pair_shows_the_timeline_without_opinions_or_names(client, file_case, staff):
    case = file_case()
    services.case_accept(case=case, user=staff["window_clerk"], opinion="材料齐全，予以受理")
    services.case_suspend(case=case, user=staff["reviewer"], opinion="需要现场核查张三的店铺", days=3)

    response = client.post(reverse("workflow:track"), {"number": case.number, "code": case.query_code.lower()})

    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-testid="tracked-case" data-number="{case.number}"' in html
    assert 'data-testid="steps"' in html and 'data-kind="suspension"' in html
    assert "材料齐全" not in html and "现场核查" not in html
    assert staff["window_clerk"].name not in html and staff["reviewer"].name not in html
    assert 'data-testid="document"' not in html and "supplement-form" not in html


def test_the_qr_code_link_tracks_by_query_parameters(client, file_case):
    case = file_case()

    response = client.get(reverse("workflow:track"), {"number": case.number, "code": case.query_code})

    assert response.context["timeline"].number == case.number


def test_a_wrong_code_and_an_unknown_number_get_the_same_generic_message(client, file_case):
    case = file_case()
    wrong_code = "A" * 8 if case.query_code != "A" * 8 else "B" * 8

    wrong = client.post(reverse("workflow:track"), {"number": case.number, "code": wrong_code})
    unknown = client.post(reverse("workflow:track"), {"number": "SP-20000101-000001", "code": case.query_code})

    assert wrong.context["timeline"] is None and unknown.context["timeline"] is None
    assert wrong.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()
    assert 'data-testid="track-not-found"' in wrong.content.decode()
    assert case.item.name not in wrong.content.decode()


def test_the_twenty_first_lookup_in_a_minute_is_refused_with_429(client, file_case, time_machine):
    case = file_case()
    time_machine.move_to(datetime.now(SHANGHAI), tick=False)  # the whole burst in one window
    url = reverse("workflow:track")

    statuses = [client.post(url, {"number": case.number, "code": "WRONG123"}).status_code for _ in range(20)]
    refused = client.get(url, {"number": case.number, "code": case.query_code})

    assert statuses == [200] * 20
    assert refused.status_code == 429
    assert 'data-testid="rate-limited"' in refused.content.decode()
    assert client.get(url).status_code == 200  # the empty form is not a lookup


def test_the_empty_tracking_form_is_not_counted(client):
    url = reverse("workflow:track")

    assert [client.get(url).status_code for _ in range(25)] == [200] * 25


# Zones ----------------------------------------------------------------------------------------------------------


def test_the_internal_zone_does_not_mount_the_citizens_pages(client, zone, item):
    zone("internal")
    client.force_login(StaffFactory(role="window_clerk", department=item.department))

    assert client.get(f"/apply/{item.code}/").status_code == 404
    assert client.get("/my/").status_code == 404
    assert client.get("/track/").status_code == 404


def test_the_external_zone_serves_the_application(client, zone, item, citizen):
    zone("external")
    client.force_login(citizen)

    assert client.get(f"/apply/{item.code}/").status_code == 200
    assert client.get("/track/").status_code == 200


def test_a_concluded_case_offers_a_rating_and_every_case_a_complaint(client, file_case, staff, citizen):
    from workflow.services import cases as services

    case = file_case()
    client.force_login(citizen)
    page = client.get(f"/my/{case.number}/").content.decode()
    assert 'data-testid="rate-link"' not in page
    assert f'href="/complaints/new/?case={case.number}"' in page

    services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")
    services.case_advance(case=case, user=staff["reviewer"], opinion="通过")
    services.case_approve(case=case, user=staff["approver"], opinion="准予")
    services.case_conclude(case=case, user=staff["window_clerk"], opinion="办结")

    assert f'href="/my/{case.number}/rating/"' in client.get(f"/my/{case.number}/").content.decode()
