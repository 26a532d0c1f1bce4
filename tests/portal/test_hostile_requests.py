"""Requests no browser sends: a NUL byte in the address, a body too large to read.

NUL bytes crash only on PostgreSQL (it refuses them in text; SQLite stores them), so these
tests matter most there; CI runs them on PostgreSQL.
"""

import io

import pytest
from django.test import Client
from django.test.client import ClientHandler

from supervision.models import Complaint
from tests.factories import CitizenFactory, StaffFactory, UserFactory
from workflow.models import Case

# The eight endpoints that answered a NUL byte with a 500 (issue 16), and who asks.
NUL_PATHS = [
    ("/catalogue/%00/", None),
    ("/catalogue/%00/flowchart.svg", None),
    ("/apply/%00/", "citizen"),
    ("/my/%00/", "citizen"),
    ("/my/%00/rating/", "citizen"),
    ("/workbench/cases/%00/", "clerk"),
    ("/penalties/%00/", "officer"),
    ("/supervision/complaints/%00/", "inspector"),
]
NUL_QUERIES = [
    ("/catalogue/?q=%00", None),
    ("/catalogue/?q=%E9%A3%9F%00%E5%93%81&department=%00", None),
    ("/workbench/?q=%00", "clerk"),
    ("/penalties/?q=%00", "officer"),
    ("/supervision/scores/?department=%00&month=%00", "inspector"),
    ("/supervision/complaints/?q=%00", "inspector"),
    ("/track/?number=%00&code=%00", None),
]


@pytest.fixture
def people(db):
    clerk = StaffFactory(role="window_clerk")
    return {
        None: None,
        "citizen": CitizenFactory(),
        "clerk": clerk,
        "officer": StaffFactory(role="law_enforcer", department=clerk.department),
        "inspector": UserFactory(role="inspector"),
    }


@pytest.mark.parametrize(("url", "who"), NUL_PATHS + NUL_QUERIES)
def test_a_nul_byte_in_the_address_is_a_bad_request(client, people, url, who):
    if who:
        client.force_login(people[who])

    response = client.get(url)

    assert response.status_code == 400
    assert "空字符" in response.content.decode()


def test_a_nul_byte_written_raw_or_in_lower_case_is_refused_too(client):
    assert client.get("/catalogue/", {"q": "a\x00b"}).status_code == 400
    assert client.get("/catalogue/?q=%00"[:-2] + "00").status_code == 400
    assert client.get("/catalogue/x%00y/").status_code == 400


def test_a_nul_byte_in_the_session_cookie_is_refused(client, settings, db):
    client.cookies[settings.SESSION_COOKIE_NAME] = "abcdefgh\x00ijkl"

    assert client.get("/my/").status_code == 400


def test_an_address_without_nul_still_works(client, db):
    assert client.get("/catalogue/", {"q": "食品 100%"}).status_code == 200


def test_a_nul_byte_in_a_form_field_is_a_form_error(client, people):
    client.force_login(people["citizen"])

    response = client.post(
        "/complaints/new/",
        {"about": "case", "case": "SP-\x00", "content": "窗口\x00" * 10, "complainant_name": "张\x00三"},
    )

    form = response.context["form"]
    assert form.has_error("content", "null_characters_not_allowed")
    assert form.has_error("complainant_name", "null_characters_not_allowed")
    assert not Complaint.objects.exists()


def test_a_nul_byte_in_the_login_form_is_a_form_error(client, people):
    response = client.post("/accounts/login/", {"username": "adm\x00in", "password": "x\x00"})

    assert response.status_code == 200
    assert response.context["form"].errors


# Request size -------------------------------------------------------------------------------------


def test_a_body_announced_over_the_cap_is_refused_unread(settings, people):
    settings.REQUEST_MAX_BYTES = 1024 * 1024
    client = Client()
    client.force_login(people["citizen"])
    body = io.BytesIO(b"x" * 10)  # what is announced is refused, whatever follows

    response = client.generic(
        "POST",
        "/complaints/new/",
        data=b"",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(1024 * 1024 * 1024),
        **{"wsgi.input": body},
    )

    assert response.status_code == 413
    assert "最多只能提交 1 MB" in response.content.decode()
    assert body.tell() == 0
    assert not Complaint.objects.exists()


def test_the_refusal_is_in_the_chosen_language(settings, client):
    settings.REQUEST_MAX_BYTES = 1024 * 1024
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.generic("POST", "/accounts/login/", b"x", CONTENT_LENGTH=str(2 * 1024 * 1024))

    assert response.status_code == 413
    assert "too large" in response.content.decode()


def test_a_body_within_the_cap_reaches_the_view(settings, client, db):
    settings.REQUEST_MAX_BYTES = 1024 * 1024

    response = client.post("/accounts/login/", {"username": "nobody", "password": "x" * 1000})

    assert response.status_code == 200


class Endless(io.RawIOBase):
    """A request body that never ends, counting what was read of it."""

    read_bytes = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        self.read_bytes += len(buffer)
        buffer[:] = b"a" * len(buffer)
        return len(buffer)


@pytest.mark.django_db
def test_a_chunked_body_without_content_length_is_not_read(people):
    """Behind gunicorn a chunked upload comes without Content-Length: Django reads none of it."""
    body = Endless()
    environ = Client()._base_environ(
        PATH_INFO="/complaints/new/",
        REQUEST_METHOD="POST",
        CONTENT_TYPE="application/x-www-form-urlencoded",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": body},
    )
    environ.pop("CONTENT_LENGTH", None)

    response = ClientHandler()(environ)

    assert body.read_bytes == 0
    assert response.status_code < 500
    assert not Case.objects.exists() and not Complaint.objects.exists()
