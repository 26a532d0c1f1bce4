"""B4: the supervision sweep, all rules, at 100,000 and 1,000,000 open cases (PostgreSQL).

Target (../shared/BENCH.md): <= 2 s per sweep and peak memory <= 200 MB whatever the case count; a
deadline crossed is alerted within 60 s (by the next sweep: beat sends one a minute); sweep time
grows with the alerts that change, not with the open cases.

For each size, ``bench/b4_data.py`` writes the open cases (and as many closed ones, ``--closed``)
with INSERT … SELECT, a few per cent of them late in some way, and closed alerts about the closed
cases (years of history). Each sweep runs in its own process (``--child``, which times ``sweep()``
itself and reports the process's peak resident memory, VmHWM, as bench/peak.py does); medians of
``--runs``:

- first: no open alert yet, the sweep raises every one (alerts of earlier runs deleted first);
- steady: a minute later, nothing has changed;
- crossed: 1,000 running cases' deadlines moved to a second before the sweep: 1,000 alerts turn
  red or are raised red; each of those cases must then have an open red T1 alert;
- midnight: the first sweep of the next day, when every day-based cut-off moves (one run; the
  cases do not move on in the bench, so more of them cross a threshold than in a real night).

Then every query of a sweep of each rule, under EXPLAIN ANALYZE (``--plans`` prints the plans),
naming the sequential scans of the large tables.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_b4 python bench/b4_sweep.py --cases 2000 --runs 1
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_b4 python bench/b4_sweep.py --full
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import ROOT, django_setup  # noqa: E402

CROSSED = 1000
CLOSED_STATES = ("concluded", "not_accepted", "withdrawn")
LARGE_TABLES = ("workflow_case", "supervision_alert", "workflow_pause", "workflow_supplementrequest")


# The sweep in a process of its own ---------------------------------------------------------------


def child(moment: str) -> None:
    """Run one sweep as of ``moment`` and print its figures as JSON (the process's peak memory included)."""
    django_setup("bench.settings")
    from django.db import connection

    from supervision.services.sweep import sweep

    connection.ensure_connection()
    before_kb = _status("VmRSS")
    started = time.perf_counter()
    results = sweep(at=datetime.fromisoformat(moment))
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_kb": _status("VmHWM"),
                "before_kb": before_kb,
                "rules": {code: [c.raised, c.escalated, c.cleared] for code, c in results.items()},
            }
        )
    )


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def timed_sweep(moment: datetime) -> dict:
    command = [sys.executable, "bench/b4_sweep.py", "--child", moment.isoformat()]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"the sweep failed:\n{result.stdout}{result.stderr}")
    found = json.loads(result.stdout.strip().splitlines()[-1])
    found["changed"] = sum(sum(changes) for changes in found["rules"].values())
    return found


# Setting up each measure -------------------------------------------------------------------------


def sql(statement: str, params=None, *, fetch: bool = False):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if fetch else None


def vacuum() -> None:
    sql("VACUUM ANALYZE supervision_alert")
    sql("VACUUM ANALYZE supervision_alertevent")
    sql("VACUUM ANALYZE workflow_case")


def forget_alerts(history: int) -> None:
    """Back to the alert history only: the alerts of earlier sweeps deleted."""
    sql("DELETE FROM supervision_alertevent")
    sql("DELETE FROM supervision_alert WHERE id > %s", [history])
    vacuum()


def cross_deadlines(moment: datetime, run: int) -> list[tuple]:
    """Move the deadlines of 1,000 running cases with no open T1 alert to a second before ``moment``."""
    from supervision.models import Alert
    from workflow.constants import RUNNING_STATES
    from workflow.models import Case

    alerted = Alert.objects.open().filter(rule__code="T1").values("subject_id")
    candidates = (
        Case.objects.filter(state__in=RUNNING_STATES, deadline_at__gt=moment + timedelta(days=3))
        .exclude(pk__in=alerted)
        .order_by("pk")
        .values_list("pk", "deadline_at")
    )
    chosen = list(candidates[run * CROSSED : (run + 1) * CROSSED])
    Case.objects.filter(pk__in=[pk for pk, _deadline in chosen]).update(deadline_at=moment - timedelta(seconds=1))
    return chosen


def restore_deadlines(chosen: list) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.executemany("UPDATE workflow_case SET deadline_at = %s WHERE id = %s", [(d, pk) for pk, d in chosen])


def crossed_alerted(chosen: list) -> int:
    from supervision.models import Alert

    ids = [pk for pk, _deadline in chosen]
    return Alert.objects.open().filter(rule__code="T1", level="red", subject_id__in=ids).count()


# EXPLAIN ANALYZE ---------------------------------------------------------------------------------


def plan_of(cursor, statement: str, timeout: int) -> tuple[list[str] | None, float]:
    """EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) of ``statement`` (run for real), within ``timeout`` seconds:
    (the plan, or None when cancelled; milliseconds)."""
    from django.db import OperationalError, transaction

    started = time.perf_counter()
    try:
        with transaction.atomic():
            cursor.execute(f"SET LOCAL statement_timeout = '{timeout}s'")
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " + statement)
            plan = [row[0] for row in cursor.fetchall()]
            cursor.execute("SET LOCAL statement_timeout = 0")
    except OperationalError:  # canceling statement due to statement timeout
        return None, (time.perf_counter() - started) * 1000
    return plan, float(plan[-1].split()[-2])


def scans_of(plan: list[str]) -> list[str]:
    """The large tables read whole, and the NOT IN subqueries that are not hashed (checked row by row)."""
    seq = {line.split("Seq Scan on ")[1].split()[0] for line in plan if "Seq Scan on " in line}
    found = [f"seq scan on {table}" for table in sorted(seq) if table in LARGE_TABLES]
    if any("NOT (SubPlan" in line for line in plan):
        found.append("NOT IN (subquery) not hashed: every row rescans the subquery")
    return found


def explain_rules(moment: datetime, *, plans: bool, timeout: int) -> dict:
    """Each rule's finding query, then every statement of a sweep of that rule at ``moment`` once more (as a
    second sweep would run them, in one transaction rolled back), under EXPLAIN ANALYZE."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from supervision.models import Rule
    from supervision.rules import EVALUATORS, REPORTED
    from supervision.services.sweep import sweep
    from workflow.calendar import WorkingCalendar

    found = {}
    for rule in Rule.objects.filter(enabled=True).exclude(evaluator=REPORTED):
        lines, total, flags = [], 0.0, []
        query, params = EVALUATORS[rule.evaluator].function(rule, moment, WorkingCalendar()).query.sql_with_params()
        with connection.cursor() as cursor:
            finding_query = cursor.mogrify(query, params).decode()
        with CaptureQueriesContext(connection) as captured:
            sweep(at=moment, codes=[rule.code])
        statements = [finding_query] + [query["sql"] for query in captured.captured_queries]
        with transaction.atomic(), connection.cursor() as cursor:
            for n, statement in enumerate(statements):
                if statement.startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT")) or "pg_advisory" in statement:
                    continue
                if not statement.startswith(("SELECT", "INSERT", "UPDATE", "WITH")):
                    cursor.execute(statement)
                    continue
                plan, ms = plan_of(cursor, statement, timeout)
                total += ms
                shown = " ".join(statement.split())
                shown = f"{shown[:100]}{'…' if len(shown) > 100 else ''}"
                label = "finding query" if n == 0 else "sweep"
                if plan is None:
                    flags.append(f"cancelled after {timeout} s")
                    lines.append(f"      > {timeout} s (cancelled)  {label}: {shown}")
                    continue
                rows = next((line for line in plan if "rows=" in line and "actual" in line), "")
                rows = rows.split("actual rows=")[-1].split()[0] if "actual rows=" in rows else "?"
                lines.append(f"      {ms:9.1f} ms  {label} ({rows} rows): {shown}")
                for flag in scans_of(plan):
                    flags.append(flag)
                    lines.append(f"                    {flag}")
                if plans:
                    lines += [f"        SQL: {statement}"] + [f"          {line}" for line in plan]
            transaction.set_rollback(True)
        found[rule.code] = {"ms": total, "queries": len(lines), "flags": sorted(set(flags)), "lines": lines}
    return found


# ------------------------------------------------------------------------------------------------


def measure(label: str, runs: list[dict]) -> dict:
    seconds = [run["seconds"] for run in runs]
    peaks = [run["peak_kb"] / 1024 for run in runs]
    return {
        "label": label,
        "seconds": statistics.median(seconds),
        "all": seconds,
        "peak": max(peaks),
        "base": statistics.median(run["before_kb"] / 1024 for run in runs),
        "changed": statistics.median(run["changed"] for run in runs),
        "rules": runs[-1]["rules"],
    }


def show(m: dict, *, per_rule: bool = False) -> None:
    print(
        f"  {m['label']:<34} median {m['seconds']:7.2f} s  (runs: {', '.join(f'{s:.2f}' for s in m['all'])})  "
        f"peak {m['peak']:5.0f} MB (after setup {m['base']:.0f} MB)  alerts changed {m['changed']:,.0f}",
        flush=True,
    )
    if per_rule:
        rules = "  ".join(f"{code} +{r}/^{e}/-{c}" for code, (r, e, c) in m["rules"].items() if r or e or c)
        print(f"      (raised/turned red/cleared) {rules}", flush=True)


def bench_size(args, history: int) -> None:
    """The four measures, each printed as soon as it is done, then the plans."""
    from bench.b4_data import T0

    first = []
    for _ in range(args.runs):
        forget_alerts(history)
        first.append(timed_sweep(T0))
    open_alerts = sql("SELECT count(*) FROM supervision_alert WHERE state <> 'closed'", fetch=True)[0][0]
    print(f"  open alerts after the first sweep: {open_alerts:,}")
    show(measure("first sweep (raises every alert)", first), per_rule=True)
    vacuum()
    steady = [timed_sweep(T0 + timedelta(minutes=1 + run)) for run in range(args.runs)]
    show(measure("steady (nothing changed)", steady))
    crossed, alerted = [], []
    for run in range(args.runs):
        moment = T0 + timedelta(minutes=10 + 2 * run)
        chosen = cross_deadlines(moment, run)
        crossed.append(timed_sweep(moment))
        alerted.append((crossed_alerted(chosen), len(chosen)))
        restore_deadlines(chosen)
        timed_sweep(moment + timedelta(minutes=1))  # their alerts cleared: steady again
    vacuum()
    show(measure(f"{CROSSED:,} deadlines crossed", crossed))
    alerted = ", ".join(f"{n:,} of {of:,}" for n, of in alerted)
    print(f"  crossed deadlines with an open red T1 alert after that sweep: {alerted}", flush=True)
    midnight = datetime.combine(T0.date() + timedelta(days=1), datetime.min.time(), tzinfo=T0.tzinfo)
    show(
        measure("midnight (cut-offs move a day)", [timed_sweep(midnight + timedelta(seconds=30))]),
        per_rule=True,
    )
    print(
        f"  EXPLAIN ANALYZE (TIMING OFF; each statement cancelled after {args.explain_timeout} s): each rule's "
        "finding query, then its sweep's statements once more, at midnight + 1 min:",
        flush=True,
    )
    for code, found in explain_rules(
        midnight + timedelta(minutes=1), plans=args.plans, timeout=args.explain_timeout
    ).items():
        flags = f"  — {'; '.join(found['flags'])}" if found["flags"] else ""
        print(f"    {code}: {found['ms']:9.1f} ms in {found['queries']} statements{flags}")
        if found["flags"] or args.plans:
            print("\n".join(found["lines"]))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, nargs="+", default=[2000, 20000], help="open cases")
    parser.add_argument("--full", action="store_true", help="--cases 100000 1000000 --items 10000")
    parser.add_argument("--closed", type=float, default=1.0, help="closed cases per open case")
    parser.add_argument("--items", type=int, default=600)
    parser.add_argument("--history", type=float, default=0.1, help="closed alerts per closed case")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--plans", action="store_true", help="print every query and its whole plan")
    parser.add_argument("--explain-timeout", type=int, default=60, help="seconds per statement under EXPLAIN")
    parser.add_argument("--reuse", action="store_true", help="keep the cases already written for a size")
    parser.add_argument("--child", metavar="AT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    if args.full:
        args.cases, args.items = [100_000, 1_000_000], 10_000

    django_setup("bench.settings")
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from bench import b4_data

    if connection.vendor != "postgresql":
        raise SystemExit("B4 runs on PostgreSQL: set DATABASE_URL=postgres://…/portal_bench_b4")
    call_command("migrate", verbosity=0)
    version = sql("SHOW server_version", fetch=True)[0][0]
    work_mem = sql("SHOW work_mem", fetch=True)[0][0]
    print(
        f"database: PostgreSQL {version} {settings.DATABASES['default']['NAME']} (work_mem {work_mem})  "
        f"items: {args.items}  runs: {args.runs}  moment: {b4_data.T0.isoformat()}"
    )
    if not args.reuse:
        started = time.perf_counter()
        b4_data.reset()
        b4_data.catalogue(args.items)
        print(f"catalogue of {args.items} items in {time.perf_counter() - started:.0f} s")
    for size in args.cases:
        closed, history = int(size * args.closed), int(size * args.closed * args.history)
        started = time.perf_counter()
        written = sql("SELECT count(*) FROM workflow_case WHERE state NOT IN %s", [CLOSED_STATES], fetch=True)[0][0]
        if args.reuse and written == size:
            print(f"\n=== {size:,} open cases already written")
        else:
            b4_data.reset()
            made = b4_data.bulk(size, closed, items=args.items, alert_history_count=history)
            print(f"\n=== {size:,} open cases written in {time.perf_counter() - started:.0f} s")
            print("  " + ", ".join(f"{state} {n:,}" for state, n in made["states"].items()))
            print("  " + ", ".join(f"{table} {n:,} rows {mb}" for table, (n, mb) in made["sizes"].items()))
        history_max = sql("SELECT max(id) FROM supervision_alert WHERE raised_at < %s", [b4_data.T0], fetch=True)[0][0]
        print(f"\n{size:,} open cases (+ {closed:,} closed)", flush=True)
        bench_size(args, history_max or 0)


if __name__ == "__main__":
    main()
