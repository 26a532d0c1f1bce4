from dataclasses import asdict, dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class RowError:
    """One thing wrong with a file. ``row`` is the row number a spreadsheet shows (the header is
    row 1), None for the file as a whole; ``column`` is the header as written in the file."""

    row: int | None
    column: str
    message: str
    code: str

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = {"row": self.row, "column": self.column or "-"}
        place = _("Row %(row)s, column %(column)s") % where if self.row else _("File, column %(column)s") % where
        return f"{place}: {self.message} [{self.code}]"


class CatalogueRejected(Exception):
    """The file cannot be imported; nothing was written. ``errors`` lists every reason found."""

    def __init__(self, errors: list[RowError]):
        self.errors = sorted(errors, key=lambda error: error.row or 0)
        super().__init__(f"{len(self.errors)} error(s)")
