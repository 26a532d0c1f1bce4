"""Pages and files with personal data say `Cache-Control: private, no-store`: no shared proxy
and no browser disk keeps a citizen's case, a notice, a material or a staff export. The public
catalogue stays cacheable."""

import pytest
from django.http import HttpResponse
from django.urls import path

from tests.conftest import urlconf
from tests.factories import UserFactory
from workflow.services import cases as services

pytestmark = pytest.mark.django_db


def _no_store(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


@pytest.fixture
def accepted(file_case, staff):
    case = file_case()
    services.case_accept(case=case, user=staff["window_clerk"], opinion="材料齐全，予以受理")
    return case


def test_a_citizens_case_page_and_notice_are_not_stored(client, citizen, accepted):
    client.force_login(citizen)
    notice = accepted.documents.get()

    page = client.get(f"/my/{accepted.number}/")
    download = client.get(f"/my/{accepted.number}/documents/{notice.pk}/")

    assert page.status_code == download.status_code == 200
    assert _no_store(page)
    assert _no_store(download)


def test_a_citizens_list_of_cases_is_not_stored(client, citizen, accepted):
    client.force_login(citizen)

    assert _no_store(client.get("/my/"))


def test_staff_pages_attachments_and_exports_are_not_stored(client, staff, accepted):
    client.force_login(staff["window_clerk"])
    attachment = accepted.attachments.first()

    assert _no_store(client.get(f"/workbench/cases/{accepted.number}/"))
    assert _no_store(client.get(f"/workbench/cases/{accepted.number}/attachments/{attachment.pk}/"))
    client.force_login(UserFactory(role="inspector"))
    export = client.get("/supervision/stats/export.csv")
    assert export.status_code == 200
    assert _no_store(export)


def test_a_tracked_case_is_not_stored_although_nobody_signed_in(client, accepted):
    response = client.get("/track/", {"number": accepted.number, "code": accepted.query_code})

    assert response.context["timeline"].number == accepted.number
    assert _no_store(response)
    assert _no_store(client.post("/track/", {"number": accepted.number, "code": accepted.query_code}))


def test_the_signed_in_view_of_a_public_page_is_not_stored(client, citizen):
    client.force_login(citizen)

    # It carries the person's name in the menu.
    assert _no_store(client.get("/catalogue/"))


def _remembers_a_choice(request):
    request.session["chosen"] = "营业执照"
    return HttpResponse("<p>已选择</p>")


def test_an_anonymous_page_that_starts_a_session_is_not_stored(client, settings):
    settings.ROOT_URLCONF = urlconf([path("choose/", _remembers_a_choice)])

    response = client.get("/choose/")

    assert settings.SESSION_COOKIE_NAME in response.cookies
    assert _no_store(response)


def test_the_public_catalogue_stays_cacheable_for_an_anonymous_visitor(client):
    response = client.get("/catalogue/")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "private" not in response.get("Cache-Control", "")
