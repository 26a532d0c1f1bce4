"""The sweep: every enabled rule's findings become alerts, set-based and idempotent.

For one rule, its findings are written once into a temporary table (``SweepFinding``), then
matched to the rule's alerts by EXISTS: new subjects get an alert (one open per rule and subject,
enforced by a partial unique index), yellow alerts whose subject is now red turn red in place,
and, for conditions that can clear, alerts nobody has taken up yet whose subject is no longer
found are closed and kept. The work grows with the alerts that change, not with the cases: the
finding query scans indexed ranges once, and only new alerts are created, in batches.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from portal.services import heartbeat_record
from workflow.calendar import WorkingCalendar

from ..constants import SWEEP_HEARTBEAT, AlertState, Level
from ..models import Alert, AlertEvent, Rule, SweepFinding
from ..rules import EVALUATORS, REPORTED
from ..rules.common import Finding

logger = logging.getLogger(__name__)

# Arbitrary, fixed: the key of the advisory lock that keeps two sweeps from running at once.
SWEEP_LOCK_KEY = 5_201_2026
# Alerts the sweep may close on its own: nobody has issued an order on them yet.
UNTAKEN = (AlertState.OPEN, AlertState.ACKNOWLEDGED)
# New alerts are read and written this many at a time.
RAISE_BATCH = 2000
FOUND = SweepFinding._meta.db_table


@dataclass
class Changes:
    raised: int = 0
    escalated: int = 0
    cleared: int = 0

    def __iadd__(self, other: "Changes") -> "Changes":
        self.raised += other.raised
        self.escalated += other.escalated
        self.cleared += other.cleared
        return self


def _events(alert_ids, *, action: str, at: datetime, from_state: str = "", to_state: str = "") -> None:
    AlertEvent.objects.bulk_create(
        AlertEvent(alert_id=pk, action=action, from_state=from_state, to_state=to_state, at=at) for pk in alert_ids
    )


def _findings_reset() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {FOUND} (subject_id bigint PRIMARY KEY, level varchar(10) NOT NULL, "
            "department_id bigint NULL, case_id bigint NULL, detail varchar(300) NOT NULL)"
        )
        cursor.execute(f"DELETE FROM {FOUND}")


def findings_store(queryset) -> None:
    """An evaluator's findings, written once into the sweep's table (INSERT … SELECT: never loaded here)."""
    _findings_reset()
    query, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FOUND} (subject_id, level, department_id, case_id, detail) "
            "SELECT found.finding_subject, found.finding_level, CAST(found.finding_department AS bigint), "
            "CAST(found.finding_case AS bigint), substr(coalesce(found.finding_detail, ''), 1, 300) "
            f"FROM ({query}) found",
            params,
        )
        cursor.execute(f"ANALYZE {FOUND}")


def findings_store_reported(findings: list[Finding]) -> None:
    _findings_reset()
    SweepFinding.objects.bulk_create(
        SweepFinding(
            subject_id=finding.subject_id,
            level=finding.level,
            department_id=finding.department_id,
            detail=finding.detail[:300],
        )
        for finding in findings
    )


def _found(*, level: str | None = None) -> Exists:
    """A condition on alerts: their subject is among the findings (at ``level``, if given)."""
    found = SweepFinding.objects.filter(subject_id=OuterRef("subject_id"))
    return Exists(found.filter(level=level) if level else found)


def _apply(rule: Rule, *, subject: str, clears: bool, at: datetime) -> Changes:
    """Turn the stored findings into alerts of ``rule`` as of ``at``."""
    changes = Changes()
    alerts = Alert.objects.filter(rule=rule, subject=subject)
    open_alerts = alerts.open()

    # Raise: subjects without an open alert, nor one an inspector closed at this level while the
    # condition still held (re-raising it every minute would undo their decision).
    closed_by_hand = alerts.filter(state=AlertState.CLOSED, cleared_at__isnull=True)
    taken = open_alerts.filter(subject_id=OuterRef("subject_id"))
    hand = closed_by_hand.filter(subject_id=OuterRef("subject_id"), level=OuterRef("level"))
    new = SweepFinding.objects.exclude(Exists(taken)).exclude(Exists(hand)).iterator(chunk_size=RAISE_BATCH)
    # In batches: the first sweep, or a midnight when many cut-offs move, raises hundreds of
    # thousands of alerts, which must not all be held in memory at once.
    while batch := list(islice(new, RAISE_BATCH)):
        created = Alert.objects.bulk_create(
            Alert(
                rule=rule,
                level=finding.level,
                subject=subject,
                subject_id=finding.subject_id,
                department_id=finding.department_id,
                case_id=finding.case_id,
                detail=finding.detail,
                raised_at=at,
            )
            for finding in batch
        )
        _events([alert.pk for alert in created], action="raise", to_state=AlertState.OPEN, at=at)
        changes.raised += len(created)

    # Escalate: a yellow whose subject is now red turns red in place.
    turning = list(open_alerts.filter(_found(level=Level.RED), level=Level.YELLOW).values_list("pk", flat=True))
    Alert.objects.filter(pk__in=turning).update(level=Level.RED, escalated_at=at)
    _events(turning, action="turn_red", at=at)
    changes.escalated = len(turning)

    if clears:
        gone = open_alerts.exclude(_found())
        # Alerts under a supervision order stay with the inspector; only the fact is noted.
        gone.exclude(state__in=UNTAKEN).filter(cleared_at__isnull=True).update(cleared_at=at)
        closing = list(gone.filter(state__in=UNTAKEN).values_list("pk", "state"))
        # The one bulk state change outside the flow's transitions: the sweep closes alerts that
        # no one has taken up, and records it in each alert's trail below.
        Alert.objects.filter(pk__in=[pk for pk, _state in closing]).update(
            state=AlertState.CLOSED, cleared_at=at, closed_at=at
        )
        for state in {state for _pk, state in closing}:
            ids = [pk for pk, was in closing if was == state]
            _events(ids, action="clear", from_state=state, to_state=AlertState.CLOSED, at=at)
        changes.cleared = len(closing)
        # An alert an inspector closed while its condition held keeps that condition from being
        # raised again (above); once the condition is gone that is noted too, so that its next
        # occurrence (a second suspension, lateness in a later step) is raised as a new alert.
        closed_by_hand.exclude(_found()).update(cleared_at=at)
    return changes


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SWEEP_LOCK_KEY])


@transaction.atomic
def sweep(*, at: datetime | None = None, codes: list[str] | None = None) -> dict[str, Changes]:
    """Run every enabled rule (or those of ``codes``) as of ``at`` (default now); changes per rule."""
    at = at or timezone.now()
    _lock()
    calendar = WorkingCalendar()
    rules = Rule.objects.filter(enabled=True).exclude(evaluator=REPORTED)
    if codes:
        rules = rules.filter(code__in=codes)
    results = {}
    for rule in rules:
        evaluator = EVALUATORS.get(rule.evaluator)
        if evaluator is None:
            logger.warning("rule_without_evaluator rule=%s evaluator=%s", rule.code, rule.evaluator)
            continue
        found = evaluator.function(rule, at, calendar)
        if isinstance(found, list):
            findings_store_reported(found)
        else:
            findings_store(found)
        results[rule.code] = _apply(rule, subject=evaluator.subject, clears=evaluator.clears, at=at)
    heartbeat_record(name=SWEEP_HEARTBEAT)
    logger.info(
        "sweep_done at=%s %s",
        at.isoformat(),
        " ".join(f"{code}=+{c.raised}/^{c.escalated}/-{c.cleared}" for code, c in results.items()),
    )
    return results


@transaction.atomic
def rule_sync(*, code: str, subject: str, findings: list[Finding], at: datetime | None = None) -> Changes:
    """For apps that watch their own subjects (video, the exchange): the complete list of what is
    wrong now under rule ``code``; alerts are raised, turned red and cleared as by the sweep."""
    at = at or timezone.now()
    rule = Rule.objects.filter(code=code, enabled=True).first()
    if rule is None:
        return Changes()
    _lock()
    findings_store_reported(findings)
    return _apply(rule, subject=subject, clears=True, at=at)
