"""Stored deadlines follow the holiday calendar: when its days change, open cases are recomputed.

A case's ``deadline_at`` and ``step_deadline_at`` are counted once, by the service of the
transition that starts the clock. A holiday entered, removed or changed afterwards (or a year
marked complete, which ends the fallback for its days without a row) moves them: every open case
whose span touches the changed days is recomputed in one pass, the ones that moved are written in
bulk with one system entry each in their trail, their applicants are told when the promised date
moved, and the external zone gets each moved case's public state (``case.status``).

Only where cases are processed (internal, single): outside, cases are copies, and their deadlines
arrive with the status packets.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.zones import serves_internal

from ..calendar import WorkingCalendar, provisional_note
from ..constants import NotificationKind, PauseKind
from ..models import Case, CaseDocument, Notification, Pause
from .case_packets import Marks, case_status_emit
from .trail import trail_append_system

# The trail's action for a recomputation (labelled in the workbench's and the applicant's lists).
RECOMPUTE_ACTION = "recompute_deadline"
CHUNK = 2000


@dataclass(frozen=True)
class Moved:
    """One open case whose deadline (or step deadline) the changed calendar moves."""

    number: str
    deadline_at: datetime | None
    new_deadline_at: datetime | None
    step_deadline_at: datetime | None
    new_step_deadline_at: datetime | None

    @property
    def promise_moved(self) -> bool:
        return self.deadline_at != self.new_deadline_at


def case_deadline(case: Case, pauses: Iterable[Pause], calendar: WorkingCalendar) -> tuple[int, datetime]:
    """(working days allowed, deadline) from acceptance: the promised days plus any extension,
    plus the working days the suspensions and returns among ``pauses`` covered."""
    pauses = list(pauses)
    extension = sum(pause.days for pause in pauses if pause.kind == PauseKind.EXTENSION)
    stops = [(pause.started_at, pause.ended_at) for pause in pauses if pause.kind != PauseKind.EXTENSION]
    days = case.item.promised_days + extension
    return days, calendar.deadline(case.accepted_at, days, pauses=stops)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=timezone.get_default_timezone())


def cases_touching(days: Collection[date]) -> QuerySet[Case]:
    """The open cases whose deadline or step deadline may depend on ``days``: their clock started
    before the last of them and ends on or after the first (a day outside a span changes nothing)."""
    first, after = _start_of(min(days)), _start_of(max(days) + timedelta(days=1))
    return Case.objects.open().filter(
        Q(accepted_at__lt=after, deadline_at__gte=first) | Q(step_started_at__lt=after, step_deadline_at__gte=first)
    )


def _recounted(case: Case, calendar: WorkingCalendar) -> tuple[datetime | None, datetime | None]:
    deadline = case.deadline_at
    if case.accepted_at is not None and deadline is not None:
        # Closed pauses only: an open one is counted when the case resumes, as the services do.
        deadline = case_deadline(case, case.closed_pauses, calendar)[1]
    step_deadline = case.step_deadline_at
    if case.step is not None and case.step_started_at is not None and step_deadline is not None:
        step_deadline = calendar.deadline(case.step_started_at, case.step.days_limit)
    return deadline, step_deadline


def deadlines_moved(days: Collection[date], *, lock: bool = False) -> list[tuple[Case, Moved]]:
    """The open cases the current calendar gives other deadlines than stored, read in one pass."""
    if not days:
        return []
    cases = (
        cases_touching(days)
        .select_related("item", "step")
        .prefetch_related(Prefetch("pauses", Pause.objects.filter(ended_at__isnull=False), to_attr="closed_pauses"))
        .order_by("pk")
    )
    if lock:
        cases = cases.select_for_update(of=("self",))
    calendar, moved = WorkingCalendar(), []
    for case in cases.iterator(chunk_size=CHUNK):
        deadline, step_deadline = _recounted(case, calendar)
        if (deadline, step_deadline) != (case.deadline_at, case.step_deadline_at):
            moved.append((case, Moved(case.number, case.deadline_at, deadline, case.step_deadline_at, step_deadline)))
    return moved


def _day(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d") if moment else "—"


def _opinion(moved: Moved) -> str:
    parts = []
    if moved.promise_moved:
        parts.append(
            _("deadline %(old)s → %(new)s") % {"old": _day(moved.deadline_at), "new": _day(moved.new_deadline_at)}
        )
    if moved.step_deadline_at != moved.new_step_deadline_at:
        parts.append(
            _("step deadline %(old)s → %(new)s")
            % {"old": _day(moved.step_deadline_at), "new": _day(moved.new_step_deadline_at)}
        )
    return _("The holiday calendar changed: %(changes)s.") % {"changes": "；".join(parts)}


@transaction.atomic
def deadlines_recompute(*, days: Collection[date]) -> list[Moved]:
    """Recompute the open cases ``days`` may move (see the module's docstring); returns what moved."""
    if not serves_internal() or not days:
        return []
    moved = deadlines_moved(days, lock=True)
    if not moved:
        return []
    cases = []
    for case, change in moved:
        case.deadline_at, case.step_deadline_at = change.new_deadline_at, change.new_step_deadline_at
        cases.append(case)
    Case.objects.bulk_update(cases, ["deadline_at", "step_deadline_at"], batch_size=CHUNK)
    entries = trail_append_system(
        [
            {
                "case": case,
                "state": case.state,
                "step_name": case.step.name if case.step else "",
                "opinion": _opinion(change),
            }
            for case, change in moved
        ],
        actor_name=_("System"),
        action=RECOMPUTE_ACTION,
    )
    last_note = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    _notify([(case, change) for case, change in moved if change.promise_moved])
    last_document = CaseDocument.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for (case, _change), entry in zip(moved, entries, strict=True):
        # What this recomputation wrote (the cases are locked): its entry, its notification, no document.
        case_status_emit(case, Marks(trail=entry.seq - 1, notification=last_note, document=last_document))
    return [change for _case, change in moved]


def _notify(moved: list[tuple[Case, Moved]]) -> None:
    """Tell each applicant the new promised date, in the site now and by SMS and e-mail after commit."""
    calendar = WorkingCalendar()
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=case.applicant_id,
                case=case,
                kind=NotificationKind.DEADLINE_MOVED,
                text=_deadline_text(case, change, calendar),
            )
            for case, change in moved
        ],
        batch_size=CHUNK,
    )
    from ..tasks import send_notification

    for note in notifications:
        send_notification.delay_on_commit(note.pk)


def _deadline_text(case: Case, change: Moved, calendar: WorkingCalendar) -> str:
    text = _(
        "The holiday schedule has changed: case %(number)s will now be concluded by %(deadline)s (it was %(old)s)."
    ) % {"number": case.number, "deadline": _day(change.new_deadline_at), "old": _day(change.deadline_at)}
    note = provisional_note(calendar.provisional_years(case.accepted_at, change.new_deadline_at))
    return f"{text}（{note}）" if note else text
