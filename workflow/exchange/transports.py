"""How packets cross between the zones: ``local`` (one zone talking to itself) and ``spool``.

A transport moves bytes only; the outbox and the inbox (services) decide what is sent again and
what is applied. ``spool`` is a pair of directories as a one-way file ferry (网闸) connects them:
each zone writes into ``to-<peer>/`` and reads ``to-<itself>/``, every file first written under a
temporary name and then renamed, so the ferry and the reader never see half a file.
"""

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PACKET_SUFFIX = ".packet"
ACK_SUFFIX = ".ack"
PEER = {"external": "internal", "internal": "external", "single": "single"}


class TransportError(Exception):
    """The other zone cannot be reached now; the outbox tries again later."""


def _kept() -> None:
    """Nothing to remove: the bytes were only in memory."""


class LocalTransport:
    """The single zone: a loopback in memory, so what one run ships it also receives and acknowledges.

    A packet shipped by a process that dies before receiving it stays unacknowledged in the outbox
    and is shipped again: nothing but the database has to survive.
    """

    def __init__(self):
        self._packets: list[bytes] = []
        self._acks: list[bytes] = []

    def send(self, packet_id: uuid.UUID, data: bytes) -> None:
        self._packets.append(data)

    def incoming(self) -> Iterator[tuple[bytes, Callable[[], None]]]:
        while self._packets:
            yield self._packets.pop(0), _kept

    def acknowledge(self, data: bytes) -> None:
        self._acks.append(data)

    def acknowledgements(self) -> Iterator[tuple[bytes, Callable[[], None]]]:
        while self._acks:
            yield self._acks.pop(0), _kept


class SpoolTransport:
    def __init__(self, root: str | Path, zone: str):
        root = Path(root)
        self.outgoing = root / f"to-{PEER[zone]}"
        self.inbound = root / f"to-{zone}"

    def _write(self, name: str, data: bytes) -> None:
        try:
            self.outgoing.mkdir(parents=True, exist_ok=True)
            temporary = self.outgoing / f".{name}.tmp"
            with open(temporary, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.outgoing / name)
        except OSError as error:
            raise TransportError(f"spool {self.outgoing}: {error}") from error

    def _files(self, suffix: str) -> Iterator[tuple[bytes, Callable[[], None]]]:
        if not self.inbound.is_dir():
            return
        for path in sorted(self.inbound.glob(f"*{suffix}")):
            try:
                data = path.read_bytes()
            except FileNotFoundError:  # taken by another worker meanwhile
                continue
            yield data, (lambda path=path: path.unlink(missing_ok=True))

    def send(self, packet_id: uuid.UUID, data: bytes) -> None:
        self._write(f"{packet_id}{PACKET_SUFFIX}", data)

    def incoming(self) -> Iterator[tuple[bytes, Callable[[], None]]]:
        """Each packet with what removes its file: called once the inbox has recorded it."""
        return self._files(PACKET_SUFFIX)

    def acknowledge(self, data: bytes) -> None:
        self._write(f"{uuid.uuid4()}{ACK_SUFFIX}", data)

    def acknowledgements(self) -> Iterator[tuple[bytes, Callable[[], None]]]:
        return self._files(ACK_SUFFIX)


def transport_for():
    """The transport ``EXCHANGE_TRANSPORT`` names."""
    if settings.EXCHANGE_TRANSPORT == "local":
        return LocalTransport()
    if settings.EXCHANGE_TRANSPORT == "spool":
        return SpoolTransport(settings.EXCHANGE_SPOOL_DIR, settings.PORTAL_ZONE)
    raise ImproperlyConfigured(f"EXCHANGE_TRANSPORT must be local or spool, not {settings.EXCHANGE_TRANSPORT!r}")
