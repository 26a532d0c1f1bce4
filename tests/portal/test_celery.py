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
