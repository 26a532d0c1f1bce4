from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from portal import services

pytestmark = pytest.mark.django_db


def test_healthy_when_database_broker_beat_and_exchange_answer(client):
    services.heartbeat_record()

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name for name, check in body["checks"].items() if check["ok"]} == {"database", "broker", "beat", "exchange"}


def test_unhealthy_before_beat_has_ever_run(client):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["beat"]["last_beat"] is None


def test_unhealthy_when_the_last_beat_is_older_than_two_minutes(client):
    services.heartbeat_record()

    with time_machine.travel(timezone.now() + timedelta(minutes=2, seconds=5)):
        response = client.get("/healthz")

    assert response.status_code == 503
    beat = response.json()["checks"]["beat"]
    assert beat["ok"] is False
    assert beat["age_seconds"] >= 125


def test_unhealthy_when_the_broker_cannot_be_reached(client, settings):
    services.heartbeat_record()
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False
    assert response.json()["checks"]["database"]["ok"] is True
