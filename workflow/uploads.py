"""Checks on what an applicant uploads: by content, not by name, and by size."""

import hashlib
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# What a material may be, by content: (MIME type, extensions its name may carry).
ACCEPTED_TYPES = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
}


def accepted_extensions() -> str:
    return ",".join(extension for extensions in ACCEPTED_TYPES.values() for extension in extensions)


def inspect_upload(upload: UploadedFile) -> tuple[str, str]:
    """(content type, SHA-256) of an acceptable upload; ValidationError with a message otherwise."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size)s; a file may be at most %(limit)s.")
            % {"name": upload.name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": upload.name}, code="empty")
    upload.seek(0)
    head = upload.read(8192)
    kind = filetype.guess(head)
    extension = PurePath(upload.name).suffix.lower()
    if kind is None or kind.mime not in ACCEPTED_TYPES:
        raise ValidationError(
            _("“%(name)s” is not a PDF, JPEG or PNG file (its content was checked, not its name).")
            % {"name": upload.name},
            code="bad_type",
        )
    if extension not in ACCEPTED_TYPES[kind.mime]:
        raise ValidationError(
            _("“%(name)s” is named as %(extension)s but its content is %(kind)s: rename or convert it.")
            % {"name": upload.name, "extension": extension or _("no type"), "kind": kind.extension.upper()},
            code="name_mismatch",
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return kind.mime, digest.hexdigest()
