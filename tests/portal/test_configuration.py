import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from portal.settings.base import env

DOC = Path(settings.BASE_DIR) / "docs" / "configuration.md"


def test_every_environment_variable_is_documented_with_its_default():
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE))

    assert set(env.scheme) <= documented


def test_every_periodic_task_is_documented():
    text = DOC.read_text(encoding="utf-8")

    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert f"`{entry['task']}`" in text


def _check_production(**variables):
    environment = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "portal.settings.production", **variables}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_with_the_development_secrets():
    result = _check_production()

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_a_real_trail_key():
    result = _check_production(SECRET_KEY="s" * 50, EXCHANGE_KEY="e" * 40, DATABASE_URL="sqlite:////tmp/check.db")

    assert result.returncode != 0
    assert "TRAIL_KEY must be set" in result.stderr


def test_production_starts_with_real_secrets():
    result = _check_production(
        SECRET_KEY="s" * 50, EXCHANGE_KEY="e" * 40, TRAIL_KEY="t" * 40, DATABASE_URL="sqlite:////tmp/check.db"
    )

    assert result.returncode == 0, result.stderr
