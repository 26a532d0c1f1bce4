"""`manage.py check --deploy` under the production settings, with the environment
docs/configuration.md asks for, finds nothing to warn about."""

import os
import secrets
import subprocess
import sys

from django.conf import settings


def _check_deploy(**environment) -> subprocess.CompletedProcess:
    # The test suite's own permission to run the ORM beside Playwright is no deployment's.
    env = {
        **{name: value for name, value in os.environ.items() if name != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "EXCHANGE_KEY": secrets.token_urlsafe(40),
        "TRAIL_KEY": secrets.token_urlsafe(40),
        "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/1",
        **environment,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_production_settings_pass_the_deployment_checklist():
    result = _check_deploy()

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_trial_on_plain_http_sends_no_hsts():
    # SECURE_COOKIES=False also turns HSTS and the redirect off; the checklist says so.
    result = _check_deploy(SECURE_COOKIES="False")

    assert "security.W004" in result.stderr
    assert "security.W008" in result.stderr
