import ast
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings

from portal.models import Heartbeat
from portal.tasks import heartbeat


def _wait_for(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_real_worker_runs_the_heartbeat_sent_over_the_broker(celery_worker):
    assert not Heartbeat.objects.exists()

    heartbeat.delay()

    assert _wait_for(lambda: Heartbeat.objects.filter(name="beat").exists())


def test_every_periodic_task_names_a_registered_task():
    from portal.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks


@pytest.mark.django_db
def test_heartbeat_keeps_one_row_per_process_name():
    heartbeat()
    heartbeat()

    assert Heartbeat.objects.count() == 1


@pytest.mark.parametrize(
    "zone, expected",
    [("external", ["exchange", "heartbeat", "purge-orphan-files", "trail-checkpoint"]), ("internal", None)],
)
def test_the_external_zone_beats_only_for_the_heartbeat_the_exchange_and_its_trail(zone, expected):
    """Settings are read once per process: each zone's schedule is asked of a process of its own."""
    done = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(sorted(settings.CELERY_BEAT_SCHEDULE))"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.base", "PORTAL_ZONE": zone},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )

    assert ast.literal_eval(done.stdout) == (expected or sorted(settings.CELERY_BEAT_SCHEDULE))
