import os
import shutil
from types import ModuleType

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.core.cache import cache

from portal.celery import app as celery_app
from portal.urls import build_urlpatterns

# Playwright's sync API runs an event loop in the test's thread; Django refuses ORM calls from
# a thread with a running loop unless told this is safe, which it is for these tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def urlconf(patterns: list) -> ModuleType:
    """A URLconf made of these patterns (Django caches resolvers by URLconf, so it must be hashable)."""
    module = ModuleType("test_urlconf")
    module.urlpatterns = patterns
    return module


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: in CI it is Redis, which outlives tests and runs."""
    cache.clear()


@pytest.fixture
def zone(settings):
    """Switch the zone for one test: ``zone("external")`` mounts only that zone's URLs."""

    def switch(name: str) -> None:
        settings.PORTAL_ZONE = name
        settings.ROOT_URLCONF = urlconf(build_urlpatterns(name))

    return switch


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker, in a thread of this process, consuming the configured broker.

    The worker has its own database connection, so tests using it see only committed data:
    they get ``transactional_db``.
    """
    # Messages left by earlier tests that enqueued work without a worker would run first here.
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; skipped where it is missing unless REQUIRE_BROWSER=1."""
    if not shutil.which(CHROMIUM):
        message = f"{CHROMIUM} is not installed (apt-get install chromium fonts-wqy-microhei)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def pytest_report_header(config):
    db = django_settings.DATABASES["default"]
    return [f"database: {db['ENGINE'].rsplit('.', 1)[-1]}", f"broker: {django_settings.CELERY_BROKER_URL}"]
