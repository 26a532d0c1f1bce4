"""Whether a deadline shown is provisional: counted over a year whose holidays are not entered in full.

Each page builds one ``WorkingCalendar`` and asks it for every row it shows: the set of complete
years is read once per calendar, so a list costs one query for it, not one per row.
"""

from collections.abc import Iterable
from datetime import datetime

from ..calendar import WorkingCalendar, provisional_note
from ..models import Case


def deadline_provisional_years(case: Case, due_at: datetime | None, calendar: WorkingCalendar) -> tuple[int, ...]:
    """The years from the case's clock start (acceptance, else filing) to ``due_at`` not entered in full."""
    if due_at is None:
        return ()
    return tuple(calendar.provisional_years(case.accepted_at or case.submitted_at, due_at))


def with_deadline_notes(cases: Iterable[Case]) -> list[tuple[Case, str]]:
    """Each case with the note its deadline carries (empty when the deadline is certain)."""
    calendar = WorkingCalendar()
    return [
        (case, provisional_note(deadline_provisional_years(case, case.deadline_at, calendar)) if case.is_open else "")
        for case in cases
    ]
