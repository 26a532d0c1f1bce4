"""Bidirectional and control characters: refused where people type, neutralised where staff read."""

import pytest

from portal.models import User
from portal.validators import id_number_check_char
from tests.factories import PowerItemFactory, UserFactory

pytestmark = pytest.mark.django_db

VALID_ID = "11010519491231002" + id_number_check_char("11010519491231002")
SPOOFED = "王小明\u202egpj.exe"


@pytest.mark.parametrize("name", [SPOOFED, "王\u2066小明", "王\u200f小明", "王\x1b小明"])
def test_a_citizen_cannot_register_a_name_with_a_bidi_or_control_character(client, name):
    data = {"name": name, "mobile": "13912345678", "id_number": VALID_ID}
    data |= {"password1": "sunny-day-2026", "password2": "sunny-day-2026"}

    response = client.post("/accounts/register/", data)

    assert response.status_code == 200
    assert "不可见的控制字符" in response.content.decode()
    assert not User.objects.filter(username="13912345678").exists()


def test_a_stored_bidi_name_is_shown_neutralised_on_a_staff_page(client):
    # Stored before input refused it (or arrived by another way): the page must not run it.
    PowerItemFactory(name=SPOOFED, published=True)
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))

    page = client.get("/admin/powers/poweritem/").content.decode()

    assert "\u202e" not in page
    assert "王小明\ufffdgpj.exe" in page
