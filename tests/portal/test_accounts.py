import pytest
from axes.models import AccessAttempt

from tests.factories import PASSWORD, CitizenFactory, UserFactory

pytestmark = pytest.mark.django_db


def _login(client, username, password, address="10.1.1.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_citizen_logs_in_with_mobile_number(client):
    citizen = CitizenFactory()

    response = _login(client, citizen.mobile, PASSWORD)

    assert response.status_code == 302
    assert client.get("/accounts/profile/").context["user"] == citizen


def test_wrong_password_says_so_in_chinese(client):
    citizen = CitizenFactory()

    response = _login(client, citizen.mobile, "wrong-password")

    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_five_failures_lock_the_account_on_that_address_even_for_the_right_password(client):
    citizen = CitizenFactory()
    for _ in range(5):
        _login(client, citizen.mobile, "wrong-password")

    response = _login(client, citizen.mobile, PASSWORD)

    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "30 分钟" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lock_out_of_one_address_leaves_the_citizen_free_elsewhere(client):
    citizen = CitizenFactory()
    for _ in range(5):
        _login(client, citizen.mobile, "wrong-password", address="10.6.6.6")

    assert _login(client, citizen.mobile, PASSWORD, address="10.1.1.1").status_code == 302


def test_four_failures_then_success_clears_the_count(client):
    citizen = CitizenFactory()
    for _ in range(4):
        _login(client, citizen.mobile, "wrong-password")

    assert _login(client, citizen.mobile, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username=citizen.mobile, failures_since_start__gt=0).exists()


def test_password_change_then_log_in_with_the_new_one(client):
    clerk = UserFactory(role="window_clerk")
    client.force_login(clerk)

    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "brand-new-pass-77", "new_password2": "brand-new-pass-77"},
    )

    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.check_password("brand-new-pass-77")


def test_logout_is_a_post_and_ends_the_session(client):
    client.force_login(CitizenFactory())

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_profile_needs_a_login(client):
    response = client.get("/accounts/profile/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# Behind the reverse proxy: the lock-out keys on the client's address, not the proxy's ----------

PROXY = "10.0.0.2"


@pytest.fixture
def behind_proxy(settings):
    settings.CLIENT_ADDRESS_META = "HTTP_X_REAL_IP"
    settings.CLIENT_ADDRESS_PROXIES = [PROXY]


def _login_through_proxy(client, username, password, address):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_REAL_IP=address,
    )


def test_behind_the_proxy_a_lock_out_of_one_client_leaves_the_citizen_free_from_another(client, behind_proxy):
    citizen = CitizenFactory()
    for _ in range(5):
        _login_through_proxy(client, citizen.mobile, "wrong-password", "198.51.100.66")

    assert _login_through_proxy(client, citizen.mobile, PASSWORD, "198.51.100.66").status_code == 429
    assert _login_through_proxy(client, citizen.mobile, PASSWORD, "203.0.113.9").status_code == 302
    assert AccessAttempt.objects.get().ip_address == "198.51.100.66"


def test_a_client_past_the_proxy_cannot_name_its_own_address(client, behind_proxy):
    citizen = CitizenFactory()
    for n in range(5):
        # Each attempt claims another address; the lock-out keys on the one it comes from.
        client.post(
            "/accounts/login/",
            {"username": citizen.mobile, "password": "wrong-password"},
            REMOTE_ADDR="192.0.2.50",
            HTTP_X_REAL_IP=f"203.0.113.{n}",
        )

    response = client.post(
        "/accounts/login/",
        {"username": citizen.mobile, "password": PASSWORD},
        REMOTE_ADDR="192.0.2.50",
        HTTP_X_REAL_IP="203.0.113.200",
    )

    assert response.status_code == 429
    assert _login_through_proxy(client, citizen.mobile, PASSWORD, "203.0.113.200").status_code == 302
