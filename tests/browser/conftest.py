"""What the browser journeys share: a person per browser context, logging in through the real form."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD


@pytest.fixture
def new_page(browser, live_server):
    """Another person at another computer: a fresh browser context (own cookies) per call."""
    contexts = []

    def open_page():
        context = browser.new_context(locale="zh-CN", base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def log_in(page, username: str, next_url: str) -> None:
    """Through the real login form (django-axes refuses the test client's shortcut)."""
    page.goto(f"/accounts/login/?next={next_url}")
    page.locator('#content input[name="username"]').fill(username)
    page.locator('#content input[name="password"]').fill(PASSWORD)
    page.locator("#content form button[type=submit]").click()
    page.wait_for_url(f"**{next_url}")
    expect(page.get_by_test_id("user-menu")).to_be_visible()


def unfold(page, toggle: str, panel: str) -> None:
    """Open a Bootstrap collapse panel with its toggle and wait until it has finished opening.

    Clicking inside the panel while it is still animating lands on whatever slides under the
    pointer, the toggle included, which folds it again.
    """
    if "show" not in (page.locator(panel).get_attribute("class") or "").split():  # a link may open it
        page.locator(toggle).click()
    expect(page.locator(panel)).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
