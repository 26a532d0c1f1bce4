"""Reads of the inspectors' dashboard: counts of open alerts, the live list, the trend, the sweep's health.

Everything is scoped by ``Alert.objects.visible_to(user)`` (inspectors: all; a department head:
their departments) and stays bounded at 50,000 open alerts: the counts are one GROUP BY over
the open alerts by (department, rule, level), named from the filter's own lists rather than
joined; the list is the page's 50 ids in order, then those 50 rows with their joins; the trend
one GROUP BY over 30 days.

The counts (and the HTML of the tallies and of each page of rows) are cached, keyed by the
newest alert event: every change to an alert that moves a count (raised, turned red, handled,
closed, cleared) writes one, so a cached value is never stale, and many inspectors polling every
30 seconds cost one GROUP BY per change. The 30-day trend is history: it may be five minutes old;
the lists of rules and departments a minute, the times the sweep and beat last ran 15 seconds.
"""

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from portal.models import Department, Heartbeat
from portal.roles import Role
from portal.selectors import handled_department_ids
from workflow.exchange.models import PeerHealth
from workflow.exchange.selectors import exchange_health, peer_health

from ..constants import SWEEP_HEARTBEAT, AlertState, Level
from ..models import Alert, AlertEvent, Rule, SupervisionOrder

SUPERVISION_ROLES = (Role.INSPECTOR, Role.DEPT_HEAD)
PAGE_SIZE = 50
TREND_DAYS = 30
# The rules whose open alerts say the system itself is unwell: cameras offline, the exchange stuck.
HEALTH_RULES = ("V1", "X1")
# The sweep may record its own heartbeat under this name; until it does, its last trail entry tells.
BEAT_HEARTBEAT = "beat"
# An upper bound only: the cache keys change with every alert event.
CACHE_SECONDS = 15 * 60
# How old the trend may be: it would otherwise be counted again after every change.
TREND_SECONDS = 5 * 60
# How old the lists of rules and departments may be, and the times the sweep and beat last ran.
CHOICES_SECONDS = 60
HEALTH_SECONDS = 15

# "red" < "yellow" as text: ordering by level puts red cards first without a CASE expression
# that no index could serve (see docs/performance.md, B5, for the index that serves this order).
LIST_ORDER = ("level", "raised_at", "pk")
LIST_FIELDS = (
    "pk",
    "state",
    "level",
    "subject",
    "subject_id",
    "detail",
    "raised_at",
    "escalated_at",
    "rule__code",
    "rule__name",
    "department__name",
    "case__number",
    # A case loads its state as it is built (django-fsm's concurrency guard): deferred, it would
    # cost one query per row.
    "case__state",
)


def may_supervise(user) -> bool:
    return user.is_authenticated and user.is_active and user.has_role(*SUPERVISION_ROLES)


def alerts_version() -> str:
    """Changes whenever an alert changes in a way a count shows: the newest event."""
    newest = AlertEvent.objects.order_by("-pk").values_list("pk", "at").first()
    return f"{newest[0]}-{newest[1].timestamp()}" if newest else "none"


def cache_scope(user) -> str:
    """Who sees the same alerts: every inspector alike, a head with the same departments alike."""
    if user.has_role(Role.INSPECTOR):
        return "all"
    return ",".join(str(pk) for pk in sorted(handled_department_ids(user))) or "none"


@dataclass(frozen=True)
class Choices:
    """What ``user`` may filter by: rules (id, code, name) and departments (id, name)."""

    rules: list[tuple[int, str, str]]
    departments: list[tuple[int, str]]

    @property
    def rule_options(self) -> list[tuple[str, str]]:
        return [(code, f"{code} {name}") for _pk, code, name in self.rules]

    @property
    def digest(self) -> str:
        """Cached tallies and rows carry these names: a renamed department or rule is a new key
        (a stable digest, for a cache shared between processes)."""
        return hashlib.blake2b(repr((self.rules, self.departments)).encode(), digest_size=8).hexdigest()


def filter_choices(user) -> Choices:
    """The rules and the departments (all for inspectors, their own for a head), at most
    ``CHOICES_SECONDS`` old: a department renamed shows within a minute."""
    departments = Department.objects.order_by("code")
    if not user.has_role(Role.INSPECTOR):
        departments = departments.filter(pk__in=sorted(handled_department_ids(user)))

    def choices() -> Choices:
        return Choices(
            rules=list(Rule.objects.order_by("code").values_list("pk", "code", "name")),
            departments=list(departments.values_list("pk", "name")),
        )

    return cache.get_or_set(f"supervision:choices:{cache_scope(user)}", timeout=CHOICES_SECONDS, default=choices)


def open_alerts(user, filters: dict) -> QuerySet[Alert]:
    """The open alerts ``user`` sees that match ``filters`` (level, rule code, department id, state),
    most severe and oldest first."""
    alerts = Alert.objects.visible_to(user).open()
    if filters.get("level"):
        alerts = alerts.filter(level=filters["level"])
    if filters.get("rule"):
        alerts = alerts.filter(rule__code=filters["rule"])
    if filters.get("department"):
        alerts = alerts.filter(department_id=int(filters["department"]))
    if filters.get("state"):
        alerts = alerts.filter(state=filters["state"])
    return alerts.order_by(*LIST_ORDER)


class PageRows:
    """A page's alerts with their rule, department and case, read when first used: a page whose
    rendering comes from the fragment cache never reads them."""

    def __init__(self, ids: QuerySet, prepare: Callable[[Alert], None] | None = None):
        self._ids, self._prepare, self._rows = ids, prepare, None

    def _load(self) -> list[Alert]:
        if self._rows is None:
            ids = list(self._ids)
            found = Alert.objects.select_related("rule", "department", "case").only(*LIST_FIELDS).in_bulk(ids)
            self._rows = [found[pk] for pk in ids if pk in found]
            for alert in self._rows if self._prepare else ():
                self._prepare(alert)
        return self._rows

    def __iter__(self) -> Iterator[Alert]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def __getitem__(self, index):
        return self._load()[index]


def alert_page(user, filters: dict, number, *, count: int | None = None, prepare=None) -> Page:
    """A page of ``open_alerts``: the page's ids in order from the alerts alone, then those rows
    with their joins (``PageRows``), so that no join runs over more than the page.

    ``count``: the number of matching alerts when already known (``OpenCounts.matching``);
    ``prepare``: called with each row once read.
    """
    paginator = Paginator(open_alerts(user, filters).values_list("pk", flat=True), PAGE_SIZE)
    if count is not None:
        paginator.count = count  # a cached_property: set, it saves the COUNT(*) over the alerts
    page = paginator.get_page(number)
    page.object_list = PageRows(page.object_list, prepare)
    return page


@dataclass
class Tally:
    """Open red and yellow cards under one heading (a department, a rule)."""

    key: object
    label: str
    red: int = 0
    yellow: int = 0

    @property
    def total(self) -> int:
        return self.red + self.yellow


@dataclass
class OpenCounts:
    red: int = 0
    yellow: int = 0
    departments: list[Tally] = field(default_factory=list)
    rules: list[Tally] = field(default_factory=list)
    by_rule_code: dict[str, int] = field(default_factory=dict)
    # (department id, rule code, level, count): the grouped rows the tallies were made of.
    cells: list[tuple[int | None, str, str, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.red + self.yellow

    def matching(self, filters: dict) -> int | None:
        """The number of open alerts matching ``filters``, if the cells tell (not by state)."""
        if filters.get("state"):
            return None
        department = int(filters["department"]) if filters.get("department") else None
        return sum(
            n
            for department_id, code, level, n in self.cells
            if (not filters.get("level") or level == filters["level"])
            and (not filters.get("rule") or code == filters["rule"])
            and (department is None or department_id == department)
        )


def _add(tally: Tally, level: str, count: int) -> None:
    if level == Level.RED:
        tally.red += count
    else:
        tally.yellow += count


def _worst_first(tally: Tally):
    return (-tally.red, -tally.total, tally.label)


def open_counts(user, choices: Choices, *, version: str) -> OpenCounts:
    """Open red and yellow cards by department and by rule, worst first (``version``: ``alerts_version()``)."""
    key = f"supervision:open-counts:{cache_scope(user)}:{choices.digest}:{version}"
    return cache.get_or_set(key, timeout=CACHE_SECONDS, default=lambda: _open_counts(user, choices))


def _open_counts(user, choices: Choices) -> OpenCounts:
    """One GROUP BY over the open alerts, named from the filter's lists rather than joined."""
    rows = (
        Alert.objects.visible_to(user)
        .open()
        .order_by()
        .values_list("department_id", "rule_id", "level")
        .annotate(n=Count("*"))
    )
    rules = {pk: (code, f"{code} {name}") for pk, code, name in choices.rules}
    department_names = dict(choices.departments)
    by_department: dict[int | None, Tally] = {}
    by_rule: dict[str, Tally] = {}
    counts = OpenCounts()
    for department_id, rule_id, level, n in rows:
        code, label = rules.get(rule_id, ("?", "?"))
        if department_id not in by_department:
            by_department[department_id] = Tally(department_id, department_names.get(department_id, ""))
        if code not in by_rule:
            by_rule[code] = Tally(code, label)
        _add(by_department[department_id], level, n)
        _add(by_rule[code], level, n)
        _add(counts, level, n)
        counts.cells.append((department_id, code, level, n))
    counts.departments = sorted(by_department.values(), key=_worst_first)
    counts.rules = sorted(by_rule.values(), key=lambda tally: tally.key)
    counts.by_rule_code = {code: tally.total for code, tally in by_rule.items()}
    return counts


@dataclass(frozen=True)
class Health:
    open_by_rule: dict[str, int]
    last_sweep_at: datetime | None
    last_beat_at: datetime | None
    # Each zone's exchange: this one's, and the other's as it last reported it (it has no dashboard).
    exchange: dict
    peer: PeerHealth | None


def _exchange_state() -> tuple[dict, PeerHealth | None]:
    return exchange_health(), peer_health()


def _last_runs() -> tuple[datetime | None, datetime | None]:
    beats = dict(Heartbeat.objects.filter(name__in=[SWEEP_HEARTBEAT, BEAT_HEARTBEAT]).values_list("name", "beat_at"))
    return beats.get(SWEEP_HEARTBEAT), beats.get(BEAT_HEARTBEAT)


def health(counts: OpenCounts) -> Health:
    """Open camera (V1) and exchange (X1) alerts, from the counts, and when the sweep and beat last
    ran (at most ``HEALTH_SECONDS`` old: they run every minute)."""
    last_sweep, last_beat = cache.get_or_set("supervision:last-runs", timeout=HEALTH_SECONDS, default=_last_runs)
    exchange, peer = cache.get_or_set("supervision:exchange", timeout=HEALTH_SECONDS, default=_exchange_state)
    return Health(
        open_by_rule={code: counts.by_rule_code.get(code, 0) for code in HEALTH_RULES},
        last_sweep_at=last_sweep,
        last_beat_at=last_beat,
        exchange=exchange,
        peer=peer,
    )


def alert_trend(user, *, days: int = TREND_DAYS, today: date | None = None) -> dict:
    """Alerts raised per local day over the last ``days`` days by (current) level, for the chart
    (at most ``TREND_SECONDS`` old)."""
    today = today or timezone.localdate()
    key = f"supervision:trend:{cache_scope(user)}:{today.isoformat()}:{days}"
    return cache.get_or_set(key, timeout=TREND_SECONDS, default=lambda: _alert_trend(user, days=days, today=today))


def _alert_trend(user, *, days: int, today: date) -> dict:
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    rows = (
        Alert.objects.visible_to(user)
        .filter(raised_at__gte=start)
        .order_by()
        .annotate(day=TruncDate("raised_at"))
        .values_list("day", "level")
        .annotate(n=Count("*"))
    )
    per_day: dict[str, dict[date, int]] = defaultdict(dict)
    for day, level, n in rows:
        per_day[level][day] = per_day[level].get(day, 0) + n
    dates = [first + timedelta(days=offset) for offset in range(days)]
    return {
        "days": [day.isoformat() for day in dates],
        "red": [per_day[Level.RED].get(day, 0) for day in dates],
        "yellow": [per_day[Level.YELLOW].get(day, 0) for day in dates],
    }


# One alert ------------------------------------------------------------------------------------


def visible_alert(user, alert_id: int) -> Alert | None:
    """The alert with its rule, department and case, if ``user`` sees it."""
    return Alert.objects.visible_to(user).select_related("rule", "department", "case").filter(pk=alert_id).first()


def alert_events(alert: Alert) -> list[AlertEvent]:
    return list(alert.events.select_related("actor").order_by("at", "pk"))


def alert_orders(alert: Alert) -> list[SupervisionOrder]:
    return list(alert.orders.select_related("department", "issued_by", "answered_by").order_by("issued_at", "pk"))


# Supervision orders ---------------------------------------------------------------------------


def orders_awaiting_answer(user) -> QuerySet[SupervisionOrder]:
    """Orders on alerts ``user`` sees that await their department's answer, soonest due first.

    An order issued again after an escalation supersedes the earlier one: only the latest counts.
    """
    later = SupervisionOrder.objects.filter(alert=OuterRef("alert"), pk__gt=OuterRef("pk"))
    return (
        SupervisionOrder.objects.filter(
            answered_at__isnull=True,
            alert__state=AlertState.ORDERED,
            alert__in=Alert.objects.visible_to(user),
        )
        .exclude(Exists(later))
        .select_related("alert__rule", "alert__case", "department", "issued_by")
        .order_by("due_date", "issued_at", "pk")
    )
