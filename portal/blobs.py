"""Files stored once, named by their content.

An applicant's upload, the exchange's copy of it and the case's attachment in the other zone are
the same bytes: stored under their SHA-256, they are one file, and a packet received twice (or by
a worker killed halfway and started again) writes nothing new. Files no row refers to any more are
removed by ``workflow.services.files.orphan_files_purge``.
"""

import hashlib

from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage

BLOB_DIR = "blobs"


def blob_name(digest: str) -> str:
    return f"{BLOB_DIR}/{digest[:2]}/{digest}"


def blob_save(content: bytes | File, *, digest: str | None = None) -> str:
    """Store ``content`` under its SHA-256 (given when already computed) unless it is there already;
    its storage name."""
    if isinstance(content, bytes):
        content = ContentFile(content)
    if digest is None:
        digest = hashlib.sha256()
        for chunk in content.chunks():
            digest.update(chunk)
        digest = digest.hexdigest()
    name = blob_name(digest)
    if default_storage.exists(name):
        # A file cut short (its writer killed mid-write) is a prefix of the content: written again.
        if default_storage.size(name) == content.size:
            return name
        default_storage.delete(name)
    content.seek(0)
    saved = default_storage.save(name, content)
    if saved != name:  # written meanwhile by another worker: the storage named this copy apart
        default_storage.delete(saved)
    return name
