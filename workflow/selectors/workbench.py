"""Reads of the clerk workbench: the cases a member of staff handles, the inbox, one case's file.

The inbox must stay fast at 100,000 open cases of one department: one query for the ordered ids
of the most urgent (at most ``InboxPaginator.COUNT_CAP`` + 1 of them, which also counts them),
one for the page's rows with their item, step and department, and the working days left
computed in Python for the page's rows only, over one calendar.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

from portal.roles import LICENSING_ROLES, Role
from portal.selectors import case_department_ids
from powers.models import PowerItem

from ..calendar import WorkingCalendar, provisional_note
from ..constants import APPLICANT_STATES, INTAKE_WORKING_DAYS, VIEW_ALL_CASES, CaseState
from ..models import URGENCY, Case
from .deadlines import deadline_provisional_years

# States whose clock stands still while the applicant or a special procedure is awaited.
PAUSED_STATES = (CaseState.SUPPLEMENT, CaseState.RETURNED, CaseState.SUSPENDED)

# The moment a case is due (workflow.models.URGENCY): the inbox indexes are built on this very
# expression, so the database reads the page off the index instead of sorting.
DUE_AT = URGENCY

INBOX_ORDER = ("due_at", "pk")
INBOX_RELATED = ("item", "step", "department")

# A whole case number (SP-20261122-000123), looked up by the unique index instead of scanned for.
CASE_NUMBER = re.compile(r"[A-Z]{2}-\d{8}-\d{6}")

# A case is "near" its deadline with this share of its promised working days left, or one day.
NEAR_SHARE = 0.2
NEAR_DAYS = 1


def _licensing_department_ids(user) -> frozenset[int]:
    return case_department_ids(user, LICENSING_ROLES)


def is_case_staff(user) -> bool:
    """Whether ``user`` works on licensing cases: holds a post that handles a department's, or reads all."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.has_perm(VIEW_ALL_CASES) or bool(_licensing_department_ids(user))


def workbench_cases(user) -> QuerySet[Case]:
    """The cases the workbench shows ``user``: ``Case.objects.handled_by``.

    Not ``visible_to``: its other branch, anybody's own applications, belongs to the citizen's
    pages, and its OR over the applicant would make the database read every row of the
    department instead of answering from the ``case_inbox`` index.
    """
    return Case.objects.handled_by(user)


def _mine(user) -> Q:
    """The cases whose current step is handled in one of ``user``'s roles, and that wait for staff."""
    roles = sorted(user.roles)
    mine = Q(step__role__in=roles)
    if Role.REVIEWER in roles:
        mine |= Q(step__isnull=True)  # flows.handler_role: a reviewer when the flowchart is silent
    return mine & ~Q(state__in=APPLICANT_STATES)


def _search(text: str) -> Q:
    """Case number, applicant's name or mobile number; digits alone are a number or a mobile fragment.

    Each branch is answered by indexes (migrations 0004 and 0007): a fragment of digits by the
    trigram indexes of the number and the mobile number; Chinese text, which no case number
    contains and for which case does not matter, by the name's trigram index (a case-insensitive
    match, UPPER(…) LIKE, could not use it).
    """
    if CASE_NUMBER.fullmatch(text.upper()):  # a whole number: the unique index answers
        return Q(number=text.upper())
    if text.isdigit():
        return Q(number__contains=text) | Q(applicant_mobile__contains=text)
    if not text.isascii():
        return Q(applicant_name__contains=text)
    return Q(number__icontains=text) | Q(applicant_name__icontains=text)


def inbox(user, filters: Mapping | None = None) -> QuerySet[Case]:
    """The open cases ``user`` handles, most urgent first.

    ``filters`` (all optional): ``state``, ``item`` (an item code: every version of it),
    ``mine`` (the current step is for one of the user's roles), ``overdue`` (past the deadline
    and not paused), ``q`` (case number, applicant's name or mobile).
    """
    filters = filters or {}
    cases = workbench_cases(user).open().alias(due_at=DUE_AT)
    if state := filters.get("state"):
        cases = cases.filter(state=state)
    if code := filters.get("item"):
        cases = cases.filter(item__code=code)
    if filters.get("mine"):
        cases = cases.filter(_mine(user))
    if filters.get("overdue"):
        cases = cases.filter(due_at__lt=timezone.now()).exclude(state__in=PAUSED_STATES)
    if text := (filters.get("q") or "").strip():
        cases = cases.filter(_search(text))
    return cases.select_related(*INBOX_RELATED).order_by(*INBOX_ORDER)


class InboxPaginator(Paginator):
    """Pages the inbox reading the matching cases once, however many a department has open.

    One query takes the ids of the ``COUNT_CAP`` + 1 most urgent matching cases, in order: the
    count is theirs (a department's 100,000 open cases are "more than 1,000": nobody pages that
    deep in a list sorted by urgency, they filter), and a page is a slice of them. A second
    query loads the page's rows with their item, step and department. Sorting narrow rows keeps
    the sort bounded and in memory; sorted whole, with the joins, 100,000 rows spill it to disk,
    since PostgreSQL does not push the LIMIT through the joins.
    """

    COUNT_CAP = 1000

    @cached_property
    def ids(self) -> list[int]:
        return list(self.object_list.values_list("pk", flat=True)[: self.COUNT_CAP + 1])

    @cached_property
    def count(self) -> int:
        return len(self.ids)

    @property
    def capped(self) -> bool:
        return self.count > self.COUNT_CAP

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = self.ids[bottom:top]
        loaded = Case.objects.select_related(*INBOX_RELATED).order_by().in_bulk(ids)
        return self._get_page([loaded[pk] for pk in ids if pk in loaded], number, self)


def inbox_items(user) -> list[tuple[str, str]]:
    """(code, name) of the items in force that ``user``'s inbox may be filtered by."""
    items = PowerItem.objects.published()
    if not user.has_perm(VIEW_ALL_CASES):
        items = items.filter(department_id__in=sorted(_licensing_department_ids(user)))
    return list(items.order_by("name", "code").values_list("code", "name"))


# Time left -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeLeft:
    """How a case stands against its deadline: ``status`` is overdue, near, ok or paused."""

    status: str
    due_at: datetime | None
    # Working days from today to the deadline's day; negative: overdue by that many.
    days: int | None = None
    # The years the deadline is counted over whose holidays are not entered in full.
    provisional_years: tuple[int, ...] = ()

    @property
    def overdue_days(self) -> int:
        return -self.days if self.days is not None and self.days < 0 else 0

    @property
    def provisional_note(self) -> str:
        return provisional_note(self.provisional_years)


def time_left(case: Case, *, calendar: WorkingCalendar, now: datetime, today: date) -> TimeLeft:
    """Where ``case`` stands against its deadline; ``case.item`` and ``case.step`` must be loaded."""
    if case.state in PAUSED_STATES:
        due_at = case.deadline_at or case.step_deadline_at
        return TimeLeft("paused", due_at, provisional_years=deadline_provisional_years(case, due_at, calendar))
    if case.deadline_at is not None:
        # The promised days and any extension, where the case keeps them; else the item's promise.
        due_at, promised = case.deadline_at, getattr(case, "time_limit_days", 0) or case.item.promised_days
    else:  # awaiting acceptance: the intake clock
        due_at = case.step_deadline_at or calendar.deadline(case.submitted_at, INTAKE_WORKING_DAYS)
        promised = INTAKE_WORKING_DAYS
    days = calendar.working_days_between(today, timezone.localdate(due_at))
    if due_at < now:
        status = "overdue"
    elif days <= NEAR_DAYS or days <= promised * NEAR_SHARE:
        status = "near"
    else:
        status = "ok"
    return TimeLeft(status, due_at, days, deadline_provisional_years(case, due_at, calendar))


def inbox_rows(cases: Iterable[Case]) -> list[tuple[Case, TimeLeft]]:
    """Each case of one page with its time left, computed over one calendar."""
    calendar, now = WorkingCalendar(), timezone.now()
    today = timezone.localdate(now)
    return [(case, time_left(case, calendar=calendar, now=now, today=today)) for case in cases]


def case_time_left(case: Case) -> TimeLeft | None:
    """Where one open case stands against its deadline; None once it is closed."""
    return inbox_rows([case])[0][1] if case.is_open else None


# One case ------------------------------------------------------------------------------------


def workbench_case(user, number: str) -> Case | None:
    """The case's whole file, if ``user`` handles it: applicant, materials, requests, pauses, trail."""
    return (
        workbench_cases(user)
        .select_related("item", "item__department", "step", "department")
        .prefetch_related(
            "attachments__material",
            "supplement_requests__materials",
            "pauses",
            "trail",
            "documents",
        )
        .filter(number=number)
        .first()
    )
