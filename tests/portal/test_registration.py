import pytest

from portal.models import User
from portal.validators import id_number_check_char
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

VALID_ID = "11010519491231002" + id_number_check_char("11010519491231002")


def _form(**overrides):
    data = {
        "name": "王小明",
        "mobile": "13912345678",
        "id_number": VALID_ID,
        "password1": "sunny-day-2026",
        "password2": "sunny-day-2026",
    }
    return data | overrides


def test_valid_checksum_is_what_the_standard_says():
    # GB 11643-1999's own example number.
    assert VALID_ID == "11010519491231002X"


def test_citizen_registers_and_is_logged_in_as_a_citizen(client):
    response = client.post("/accounts/register/", _form(id_number=VALID_ID.lower()))

    assert response.status_code == 302
    user = User.objects.get(username="13912345678")
    assert user.name == "王小明"
    assert user.id_number == VALID_ID
    assert user.roles == {"citizen"}
    assert not user.is_staff
    assert client.get("/accounts/profile/").status_code == 200


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "11010519491231002" + "1", "校验码"),
        ("id_number", "110105194913310024", "出生日期"),
        ("id_number", "1101051949123100", "18 位"),
        ("mobile", "23912345678", "11 位"),
        ("mobile", "1391234567", "11 位"),
        ("password2", "another-pass-2026", "两次输入的密码不一致"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_creates_nothing(client, field, value, message):
    response = client.post("/accounts/register/", _form(**{field: value}))

    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert message in response.content.decode()
    assert not User.objects.filter(username="13912345678").exists()


def test_a_mobile_number_or_id_number_registers_once(client):
    CitizenFactory(username="13912345678", mobile="13912345678")
    CitizenFactory(id_number=VALID_ID)

    response = client.post("/accounts/register/", _form())

    errors = response.context["form"].errors
    assert "已注册" in errors["mobile"][0]
    assert "已注册" in errors["id_number"][0]
    assert User.objects.filter(mobile="13912345678").count() == 1
