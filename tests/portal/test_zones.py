import pytest

pytestmark = pytest.mark.django_db


def test_external_zone_answers_404_for_internal_urls_even_when_logged_in(client, zone, admin_user):
    zone("external")
    client.force_login(admin_user)

    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/portal/user/").status_code == 404


def test_external_zone_serves_registration_and_login(client, zone):
    zone("external")

    assert client.get("/accounts/register/").status_code == 200
    assert client.get("/accounts/login/").status_code == 200


def test_internal_zone_has_no_citizen_registration(client, zone):
    zone("internal")

    assert client.get("/accounts/register/").status_code == 404
    assert client.get("/admin/").status_code == 302  # the admin exists: it asks for a login


def test_single_zone_mounts_both(client, zone):
    zone("single")

    assert client.get("/accounts/register/").status_code == 200
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("name", ["single", "external", "internal"])
def test_every_zone_serves_home_and_health(client, zone, name):
    zone(name)

    assert client.get("/").status_code == 200
    assert client.get("/healthz").status_code in (200, 503)
