"""Catalogue import and export (docs/catalogue-format.md).

reading.py     a file as a table of text (XLSX or CSV in UTF-8 or GB18030)
validation.py  the table as checked item records, every error collected (no database)
guangan.py     the same for the Guang'an district list
applying.py    the service that writes the records: one transaction, all or nothing
importing.py   the three together, as commands, tasks and tests call them
writing.py     the published catalogue as a file in the same format (through portal.exports)
jobs.py        imports started from the admin and run by a worker
"""

from portal.exports import CONTENT_TYPES, CSV, FORMATS, XLSX

from .applying import ImportSummary, catalogue_apply
from .errors import CatalogueRejected, RowError
from .importing import catalogue_import, catalogue_read
from .jobs import import_job_create, import_job_run
from .reading import looks_like_catalogue_file
from .writing import catalogue_export, format_of

__all__ = [
    "CONTENT_TYPES",
    "CSV",
    "FORMATS",
    "XLSX",
    "CatalogueRejected",
    "ImportSummary",
    "RowError",
    "catalogue_apply",
    "catalogue_export",
    "catalogue_import",
    "catalogue_read",
    "format_of",
    "import_job_create",
    "import_job_run",
    "looks_like_catalogue_file",
]
