import pytest

from workflow.exchange import services
from workflow.exchange.packets import Kind
from workflow.exchange.transports import LocalTransport, SpoolTransport


@pytest.fixture
def applied(monkeypatch):
    """What this zone did with the packets it applied, in order: (stream, seq, payload).

    The handler stands for the app that owns the data (the filing service, the public timeline):
    the exchange only decides what reaches it, once and in order.
    """
    seen = []
    monkeypatch.setitem(
        services.HANDLERS, Kind.APPLICATION_WITHDRAWN, lambda p: seen.append((p.stream, p.seq, p.payload))
    )
    return seen


@pytest.fixture
def local():
    return LocalTransport()


@pytest.fixture
def spool_pair(tmp_path):
    """Two zones' ends of one spool directory, as a ferry joins them."""
    return SpoolTransport(tmp_path, "external"), SpoolTransport(tmp_path, "internal")


def withdrawal(stream: str = "EX-20261123-000001", reason: str = "不再需要"):
    return services.packet_emit(
        kind=Kind.APPLICATION_WITHDRAWN, stream=stream, payload={"reason": reason, "at": "2026-11-23T10:00:00+08:00"}
    )
