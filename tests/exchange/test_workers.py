"""The exchange with real processes: a Celery worker ships after commit; a worker killed mid-shipping."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection, transaction

from workflow.exchange import services
from workflow.exchange.models import InboundPacket, InboundState, OutboundPacket
from workflow.exchange.packets import Kind
from workflow.exchange.transports import PACKET_SUFFIX, SpoolTransport

from .conftest import withdrawal

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_ships_and_applies_a_packet_once_its_change_is_committed(celery_worker, applied):
    with transaction.atomic():
        withdrawal()

    deadline = time.monotonic() + 20
    while not applied and time.monotonic() < deadline:
        time.sleep(0.1)

    assert len(applied) == 1
    assert OutboundPacket.objects.get().acked_at is not None


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the shipping process needs the test database")
def test_a_worker_killed_while_shipping_loses_nothing_and_duplicates_nothing(tmp_path, applied):
    total = 1500
    for n in range(total):
        withdrawal(stream=f"EX-{n:06d}")
    outgoing = tmp_path / "to-internal"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": _database_url(),
        "PORTAL_ZONE": "external",
        "EXCHANGE_TRANSPORT": "spool",
        "EXCHANGE_SPOOL_DIR": str(tmp_path),
    }
    command = [sys.executable, "manage.py", "exchange", "--once"]

    shipping = subprocess.Popen(command, cwd=settings.BASE_DIR, env=environment, stdout=subprocess.DEVNULL)
    while not (outgoing.is_dir() and any(outgoing.glob(f"*{PACKET_SUFFIX}"))) and shipping.poll() is None:
        time.sleep(0.005)
    shipping.send_signal(signal.SIGKILL)
    shipping.wait()
    written_before_the_kill = len(list(outgoing.glob(f"*{PACKET_SUFFIX}")))

    # Killed inside its transaction: nothing it shipped is marked shipped, so all of it goes again.
    assert 0 < written_before_the_kill < total
    assert OutboundPacket.objects.filter(attempts__gt=0).count() == 0
    subprocess.run(command, cwd=settings.BASE_DIR, env=environment, check=True, stdout=subprocess.DEVNULL)

    inside, outside = SpoolTransport(tmp_path, "internal"), SpoolTransport(tmp_path, "external")
    assert services.packets_receive(inside) == total
    assert services.packets_apply() == total
    assert services.acks_receive(outside) == (total, 0)
    assert sorted(stream for stream, _seq, _payload in applied) == [f"EX-{n:06d}" for n in range(total)]
    assert InboundPacket.objects.filter(state=InboundState.APPLIED).count() == total
    # (the shipping process, an external zone, also reported its exchange health: not part of this)
    assert not OutboundPacket.objects.filter(acked_at__isnull=True).exclude(kind=Kind.EXCHANGE_HEALTH).exists()
