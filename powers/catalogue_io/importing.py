from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db import IntegrityError
from django.utils import translation
from django.utils.translation import gettext as _

from .applying import ImportSummary, catalogue_apply
from .errors import CatalogueRejected, RowError
from .guangan import is_guangan, parse_guangan
from .reading import read_table
from .validation import Catalogue, Progress, parse_standard


def catalogue_read(source: str | Path | BinaryIO, progress: Progress | None = None) -> Catalogue:
    """The file as checked item records, in the catalogue format or as the Guang'an list.

    Raises CatalogueRejected for a file that cannot be read as a table; row errors are collected
    in the result's ``errors``.
    """
    table = read_table(source)
    return parse_guangan(table, progress) if is_guangan(table) else parse_standard(table, progress)


def catalogue_import(
    *,
    source: str | Path | BinaryIO,
    user,
    dry_run: bool = False,
    create_departments: bool = False,
    progress: Progress | None = None,
) -> ImportSummary:
    """Reads, checks and imports a catalogue file as ``user``; with ``dry_run``, only reports.

    Raises CatalogueRejected with every error in the file, rows and database alike; then nothing
    is written. The messages are in the site's language (settings.LANGUAGE_CODE): they are a
    report for the clerks who prepared the file, whoever started the import.
    """
    with translation.override(settings.LANGUAGE_CODE):
        catalogue = catalogue_read(source, progress)
        options = {"user": user, "catalogue": catalogue, "create_departments": create_departments}
        if catalogue.errors:
            errors = list(catalogue.errors)
            try:
                catalogue_apply(**options, dry_run=True)
            except CatalogueRejected as rejected:
                errors += rejected.errors
            raise CatalogueRejected(errors)
        try:
            return catalogue_apply(**options, dry_run=dry_run)
        except IntegrityError as error:
            message = _("The catalogue changed while the file was imported; run the import again.")
            raise CatalogueRejected([RowError(None, "", message, "conflict")]) from error
