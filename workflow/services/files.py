"""Stored files no row refers to any more: those of a filing rolled back after its uploads were
written, or of a packet recorded by a worker killed before its row was committed."""

import logging
from datetime import timedelta

from django.core.files.storage import default_storage
from django.utils import timezone

from portal.blobs import BLOB_DIR

from ..exchange.models import InboundPacket, InboundState, OutboundPacket
from ..models import Attachment

logger = logging.getLogger(__name__)

# A file younger than this may belong to a transaction still open (uploads are written before the
# row that names them is committed).
ORPHAN_GRACE = timedelta(hours=6)


def _exchange_files() -> set[str]:
    """The files packets not done with still need: waiting to be applied or shipped, or quarantined
    with a handler that may succeed when retried."""
    names = set()
    inbound = InboundPacket.objects.filter(state__in=[InboundState.PENDING, InboundState.QUARANTINED])
    outbound = OutboundPacket.objects.filter(acked_at__isnull=True)
    for files in [*inbound.values_list("files", flat=True), *outbound.values_list("files", flat=True)]:
        names.update(file["storage"] for file in files)
    return names


def orphan_files_purge(*, grace: timedelta = ORPHAN_GRACE) -> int:
    """Remove the content-addressed files older than ``grace`` that nothing refers to; how many.

    One directory (a hash prefix) at a time, so memory stays flat however many files there are.
    """
    cutoff = timezone.now() - grace
    needed = _exchange_files()
    removed = 0
    prefixes, _files = default_storage.listdir(BLOB_DIR) if default_storage.exists(BLOB_DIR) else ([], [])
    for prefix in prefixes:
        directory = f"{BLOB_DIR}/{prefix}"
        old = {
            f"{directory}/{name}"
            for name in default_storage.listdir(directory)[1]
            if default_storage.get_modified_time(f"{directory}/{name}") < cutoff
        }
        kept = set(Attachment.objects.filter(file__in=old).values_list("file", flat=True)) | needed
        for name in old - kept:
            default_storage.delete(name)
            removed += 1
    logger.info("orphan_files_purged removed=%s", removed)
    return removed
