"""How packets cross between the zones: ``local`` (one zone talking to itself), ``spool`` and ``http``.

A transport moves bytes only; the outbox and the inbox (services) decide what is sent again and
what is applied. ``spool`` is a pair of directories as a one-way file ferry (网闸) connects them:
each zone writes into ``to-<peer>/`` and reads ``to-<itself>/``, every file first written under a
temporary name and then renamed, so the ferry and the reader never see half a file. ``http``
POSTs each packet to the peer's ``/exchange/packets``, which answers with its acknowledgement.
"""

import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from .packets import request_signature

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

    def waiting(self, packet_id: uuid.UUID) -> bool:
        return False

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

    def waiting(self, packet_id: uuid.UUID) -> bool:
        """Still in the outgoing directory: the ferry has not carried it yet, writing it again
        would change nothing (a peer that is down would cost a rewrite of its whole backlog)."""
        return (self.outgoing / f"{packet_id}{PACKET_SUFFIX}").exists()

    def incoming(self) -> Iterator[tuple[bytes, Callable[[], None]]]:
        """Each packet with what removes its file: called once the inbox has recorded it."""
        return self._files(PACKET_SUFFIX)

    def acknowledge(self, data: bytes) -> None:
        self._write(f"{uuid.uuid4()}{ACK_SUFFIX}", data)

    def acknowledgements(self) -> Iterator[tuple[bytes, Callable[[], None]]]:
        return self._files(ACK_SUFFIX)


class HttpTransport:
    """POST to the peer: the answer to a packet it recorded is the acknowledgement itself.

    Each request carries the moment it was sent, signed with its body, so the peer refuses a
    request replayed later than its window; within it, the packet's id makes a replay harmless.
    """

    TIMEOUT_SECONDS = 10

    def __init__(self, peer_url: str):
        self.url = peer_url.rstrip("/") + "/packets"
        self._acks: list[bytes] = []

    def send(self, packet_id: uuid.UUID, data: bytes) -> None:
        sent_at = timezone.now().isoformat()
        request = urllib.request.Request(
            self.url,
            data=data,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Exchange-Sent-At": sent_at,
                "X-Exchange-Signature": request_signature(sent_at, data),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.TIMEOUT_SECONDS) as response:
                self._acks.append(response.read())
        except urllib.error.HTTPError as error:
            raise TransportError(f"{self.url}: {error.code} {error.read()[:300].decode(errors='replace')}") from error
        except (urllib.error.URLError, OSError) as error:
            raise TransportError(f"{self.url}: {error}") from error

    def waiting(self, packet_id: uuid.UUID) -> bool:
        return False

    def incoming(self) -> Iterator[tuple[bytes, Callable[[], None]]]:
        """Packets arrive through the exchange view, not here."""
        return iter(())

    def acknowledge(self, data: bytes) -> None:
        """The view answers each packet with its acknowledgement: nothing is left to send."""

    def acknowledgements(self) -> Iterator[tuple[bytes, Callable[[], None]]]:
        while self._acks:
            yield self._acks.pop(0), _kept


def transport_for():
    """The transport ``EXCHANGE_TRANSPORT`` names."""
    if settings.EXCHANGE_TRANSPORT == "local":
        return LocalTransport()
    if settings.EXCHANGE_TRANSPORT == "spool":
        return SpoolTransport(settings.EXCHANGE_SPOOL_DIR, settings.PORTAL_ZONE)
    if settings.EXCHANGE_TRANSPORT == "http":
        return HttpTransport(settings.EXCHANGE_PEER_URL)
    raise ImproperlyConfigured(f"EXCHANGE_TRANSPORT must be local, spool or http, not {settings.EXCHANGE_TRANSPORT!r}")
