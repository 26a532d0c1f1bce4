import pytest

from tests.factories import PASSWORD, CitizenFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, username):
    page.goto("/")
    page.get_by_role("link", name="登录").first.click()
    page.get_by_label("账号（群众请填手机号）").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_citizen_logs_in_and_sees_their_account(page):
    citizen = CitizenFactory(name="张三")

    _log_in(page, citizen.mobile)

    page.get_by_test_id("user-menu").click()
    page.get_by_role("link", name="个人中心").click()
    assert page.get_by_test_id("roles").inner_text() == "群众"
    assert page.get_by_role("link", name="注册").count() == 0


def test_inspector_logs_in_and_out(page):
    UserFactory(username="inspector", name="周监察", role="inspector")

    _log_in(page, "inspector")

    assert page.get_by_test_id("user-menu").inner_text() == "周监察"
    page.get_by_test_id("user-menu").click()
    page.get_by_role("link", name="个人中心").click()
    assert page.get_by_test_id("roles").inner_text() == "纪检监察人员"
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()
    assert page.get_by_role("link", name="登录").first.is_visible()


def test_wrong_password_is_refused_on_the_page(page):
    CitizenFactory(username="13900000009")

    page.goto("/accounts/login/")
    page.get_by_label("账号（群众请填手机号）").fill("13900000009")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()

    assert "请输入一个正确的" in page.locator(".alert-danger").inner_text()
    assert page.get_by_test_id("user-menu").count() == 0
