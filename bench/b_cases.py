"""Cases (issue #4): the filing rate through ``case_file``, and the workbench inbox of one department.

Targets: filing (../shared/BENCH.md B3 asks >= 50 filings/s for the whole pipeline; here the
single zone's share: ``case_file`` with its uploads, trail entry and notification), none lost and
none duplicated; the inbox GET /workbench/ at 100,000 open cases of one department, p95 <= 100 ms
with 8 concurrent clients on gunicorn (first page, a search, the overdue filter); ``--clients 1 2 8``
measures with each number of clients in turn.

For each size: the catalogue (600 items, 60 departments) and ``--cases`` open cases of BENCH-01
plus as many cases of the other departments (half of them closed) are written in bulk, with one
chained trail entry each; the inbox is measured on them, then the filings are made on top, by 1,
2 and 4 processes in turn. Celery's broker is Redis database 7 whatever CELERY_BROKER_URL says
(``--broker``): every filing enqueues its notification there, as in production, the messages are
counted (one per filing) and deleted; no worker consumes them. Uploads go to a temporary
MEDIA_ROOT, removed at the end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_cases python bench/b_cases.py --cases 2000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_cases python bench/b_cases.py --full
"""

import argparse
import multiprocessing
import os
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import django_setup  # noqa: E402

BROKER = "redis://127.0.0.1:6379/7"
QUEUE = "celery"  # Celery's default queue: a Redis list of that name


# Filing ----------------------------------------------------------------------------------------


def counts() -> dict:
    from workflow.models import Attachment, Case, Notification, TrailEntry

    return {
        "cases": Case.objects.count(),
        "trail": TrailEntry.objects.count(),
        "notifications": Notification.objects.count(),
        "attachments": Attachment.objects.count(),
    }


def broker_client(url: str):
    import redis

    return redis.Redis.from_url(url)


def purge(broker) -> None:
    broker.delete(QUEUE, *broker.keys("_kombu.binding*"))


def file_concurrently(processes: int, filings: int, item_ids: list, citizen_ids: list) -> tuple:
    """``filings`` split over ``processes`` spawned processes.

    Returns (seconds from the start signal, numbers, failures, [CPU seconds in Python, in their backends]).
    """
    from bench.cases_data import file_worker

    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(processes + 1), context.Queue()
    shares = [filings // processes + (n < filings % processes) for n in range(processes)]
    workers = [
        context.Process(target=file_worker, args=(n, shares[n], item_ids, citizen_ids, barrier, results))
        for n in range(processes)
    ]
    for worker in workers:
        worker.start()
    barrier.wait(timeout=120)  # every process has Django set up and its connection open
    started = time.perf_counter()
    numbers, failures, cpu = [], [], [0.0, 0.0]
    for _ in workers:
        _index, filed, failed, _seconds, python_cpu, db_cpu = results.get(timeout=3600)
        numbers += filed
        failures += failed
        cpu[0] += python_cpu
        cpu[1] += db_cpu
    seconds = time.perf_counter() - started
    for worker in workers:
        worker.join()
    return seconds, numbers, failures, cpu


def check_filings(before: dict, numbers: list, failures: list, filings: int, required: dict, broker) -> list[str]:
    """What went wrong: lost or duplicated cases, trail entries, notifications, files, queued messages."""
    from django.db.models import Count

    from workflow.models import Case, NumberCounter, TrailEntry

    after, problems = counts(), []
    new = Case.objects.filter(number__in=numbers)
    if failures:
        problems.append(f"{len(failures)} filings raised, the first:\n{failures[0]}")
    if len(numbers) != filings or len(set(numbers)) != len(numbers):
        problems.append(f"{len(numbers)} numbers returned ({len(set(numbers))} distinct) for {filings} filings")
    for name, per_case in (("cases", 1), ("trail", 1), ("notifications", 1)):
        if after[name] - before[name] != filings * per_case:
            problems.append(f"{after[name] - before[name]} new {name} for {filings} filings")
    expected_files = sum(len(required[item_id]) for item_id in new.values_list("item_id", flat=True))
    if after["attachments"] - before["attachments"] != expected_files:
        problems.append(f"{after['attachments'] - before['attachments']} new attachments, {expected_files} expected")
    if new.count() != filings:
        problems.append(f"{new.count()} of the {filings} numbers returned are in the database")
    entries = TrailEntry.objects.filter(case__in=new).values("case").annotate(n=Count("pk")).filter(n=1).count()
    if entries != filings:
        problems.append(f"{entries} of {filings} new cases have exactly one trail entry")
    for counter in NumberCounter.objects.all():
        given = Case.objects.filter(number__startswith=f"{counter.key}-").count()
        if given != counter.value:
            problems.append(f"counter {counter.key} at {counter.value}, {given} cases numbered under it")
    queued = broker.llen(QUEUE)
    if queued != filings:
        problems.append(f"{queued} notification messages queued for {filings} filings")
    return problems


def bench_filing(size: int, args, department, items, citizens, broker) -> dict:
    from workflow.services.trail import trail_verify

    required = {item.pk: [m for m in item.materials.all() if m.required] for item in items}
    item_ids, citizen_ids = [item.pk for item in items], [citizen.pk for citizen in citizens]
    rates: dict[int, list[float]] = {n: [] for n in args.processes}
    cpus: dict[int, list[tuple]] = {n: [] for n in args.processes}
    problems: list[str] = []
    for run in range(args.runs):
        for processes in args.processes if run % 2 == 0 else reversed(args.processes):  # ABBA: noise on all
            purge(broker)
            load = os.getloadavg()[0]
            before = counts()
            seconds, numbers, failures, cpu = file_concurrently(processes, args.filings, item_ids, citizen_ids)
            found = check_filings(before, numbers, failures, args.filings, required, broker)
            problems += [f"run {run + 1}, {processes} processes: {problem}" for problem in found]
            purge(broker)
            print(
                f"  run {run + 1}: {processes} process(es) filed {len(numbers)} of {args.filings} in {seconds:5.1f} s: "
                f"{len(numbers) / seconds:6.1f} filings/s, CPU per filing {cpu[0] * 1000 / args.filings:.1f} ms "
                f"Python + {cpu[1] * 1000 / args.filings:.1f} ms PostgreSQL  "
                f"{'ok' if not found else 'PROBLEMS: ' + found[0][:500]}  (load average before: {load:.1f})",
                flush=True,
            )
            if failures:
                raise SystemExit("filings failed: no rate is reported")
            rates[processes].append(len(numbers) / seconds)
            cpus[processes].append((cpu[0] * 1000 / args.filings, cpu[1] * 1000 / args.filings))
    started = time.perf_counter()
    checked, broken = trail_verify()
    verify_seconds = time.perf_counter() - started
    final = counts()
    print(f"\n{size} open cases of {department.code} (+ {size} of other departments) — filing")
    print(f"  {args.filings} filings per run, {len(items)} items, one PDF per required material (3 per item)")
    for processes, values in rates.items():
        print(
            f"  {processes} process(es): median {statistics.median(values):6.1f} filings/s  "
            f"(runs: {', '.join(f'{v:.1f}' for v in values)}); CPU per filing, median: "
            f"{statistics.median(c[0] for c in cpus[processes]):.1f} ms Python + "
            f"{statistics.median(c[1] for c in cpus[processes]):.1f} ms PostgreSQL"
        )
    print(
        f"  after: {final['cases']} cases, {final['trail']} trail entries, {final['notifications']} notifications, "
        f"{final['attachments']} attachments"
    )
    print(f"  trail_verify: {checked} entries in {verify_seconds:.1f} s, {'intact' if broken is None else broken}")
    for problem in problems:
        print(f"  PROBLEM {problem}")
    return {"rates": rates, "problems": problems, "broken": broken}


# The inbox ---------------------------------------------------------------------------------------


def inbox_measures(department) -> tuple[dict, list]:
    """Label → path of request n. Searches cycle over the numbers, names and mobile numbers' last four
    digits of four cases of the department, the same in every run."""
    from workflow.models import Case

    rows = list(
        Case.objects.filter(department=department)
        .order_by("number")
        .values_list("number", "applicant_name", "applicant_mobile")
    )
    picked = rows[len(rows) // 8 :: len(rows) // 4][:4]
    numbers, names, mobiles = ([row[n] for row in picked] for n in range(3))
    mobiles = [mobile[-4:] for mobile in mobiles]

    def search(terms):
        return lambda n: f"/workbench/?q={urllib.parse.quote(terms[n % len(terms)])}"

    return {
        "first page": lambda n: "/workbench/",
        "search number": search(numbers),
        "search name": search(names),
        "search mobile": search(mobiles),
        "overdue": lambda n: "/workbench/?overdue=on",
    }, numbers + names + mobiles


# The indexes the inbox relies on (workflow migration 0004): the ``without`` variant drops them for
# its runs and puts them back, to show what they are worth in the same run.
INBOX_INDEXES = (
    "case_inbox_due",
    "case_all_due",
    "workflow_case_applicant_name_trgm",
    "workflow_case_applicant_mobile_trgm",
    "workflow_case_number_trgm",
)
VARIANTS = {"shipped": "as shipped", "without": "without the inbox indexes"}


def set_variant(variant: str, saved: dict) -> None:
    """Drop (``without``) or restore (``shipped``) the inbox indexes, then VACUUM ANALYZE."""
    from django.db import connection

    from workflow.models import Case

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname = ANY(%s)",
            [Case._meta.db_table, list(INBOX_INDEXES)],
        )
        present = dict(cursor.fetchall())
        saved.update(present)
        if variant == "without":
            for name in present:
                cursor.execute(f'DROP INDEX "{name}"')
        else:
            for name, definition in saved.items():
                if name not in present:
                    cursor.execute(definition)
        cursor.execute(f"VACUUM ANALYZE {Case._meta.db_table}")


@contextmanager
def without_template():
    """The inbox view with its page's rows computed but no template rendered: what the rendering costs."""
    from django.http import HttpResponse

    from workflow.views import workbench

    def render(request, template_name, context=None, status=None, **kwargs):
        list((context or {}).get("rows", ()))
        return HttpResponse(b"", status=status)

    shipped, workbench.render = workbench.render, render
    try:
        yield
    finally:
        workbench.render = shipped


def explain(clerk, paths: dict, *, plans: bool) -> dict[str, dict]:
    """Each measure through the real view, in this process: time, queries, EXPLAIN ANALYZE of the case queries."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(clerk, backend="django.contrib.auth.backends.ModelBackend")
    found = {}
    for label, path in paths.items():
        for n in range(3):  # warm
            client.get(path(n))
        totals, sql_times = [], []
        for n in range(len(paths) * 3):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(path(n))
                totals.append((time.perf_counter() - started) * 1000)
            queries = list(captured.captured_queries)  # the next request clears the log
            sql_times.append(sum(float(query["time"]) for query in queries) * 1000)
        rows = len(re.findall(rb'href="/workbench/cases/[^/"]+/"', response.content))
        with without_template():
            bare = []
            for n in range(len(paths) * 3):
                started = time.perf_counter()
                client.get(path(n))
                bare.append((time.perf_counter() - started) * 1000)
        found[label] = {
            "ms": statistics.median(totals),
            "template_ms": statistics.median(totals) - statistics.median(bare),
            "sql_ms": statistics.median(sql_times),
            "queries": len(queries),
            "rows": rows,
            "index": False,
        }
        print(
            f"  [{label}] GET {path(n)} → {response.status_code}, {rows} case links, "
            f"{len(queries)} queries; in-process median {found[label]['ms']:.1f} ms, "
            f"of which SQL {found[label]['sql_ms']:.1f} ms and the template {found[label]['template_ms']:.1f} ms"
        )
        for query in queries:
            sql = query["sql"]
            if '"workflow_case"' not in sql.split(" WHERE ")[0]:
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = [row[0] for row in cursor.fetchall()]
            found[label]["index"] |= any(name in line for name in INBOX_INDEXES for line in plan)
            scans = [line.strip() for line in plan if "Scan on workflow_case" in line or "Scan using" in line]
            print(f"    {plan[-1].strip()}  ({'; '.join(scan.split('  (')[0] for scan in scans[:3])})")
            if plans:
                print(f"    SQL: {sql}")
                for line in plan:
                    print(f"      {line}")
    return found


def cpu_seconds(pids) -> dict[int, float]:
    """User + system CPU seconds of each of these processes so far (/proc; one gone is left out)."""
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return seconds


def cpu_used(before: dict, after: dict) -> float:
    """CPU seconds between two readings; a process started in between counts whole."""
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


def serving_pids(server) -> tuple[list, list]:
    """The gunicorn workers and the PostgreSQL backends connected to this database (but this one)."""
    from django.db import connection

    workers = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [int(pid) for pid in workers], [row[0] for row in cursor.fetchall()]


def measure(args, paths: dict, cookie: str, clients: int) -> dict:
    """One run of every measure against a fresh gunicorn, its workers warmed first.

    Besides the latencies, the CPU each request cost in the gunicorn workers and in their database
    backends (parallel query workers, short-lived, are not counted): on a shared machine latencies
    carry the neighbours' load, CPU per request much less. A backend closed during a measure
    (CONN_MAX_AGE) loses its CPU since the start of the measure: the database figure is a floor.
    """
    from bench.b2_catalogue import free_port, serve
    from bench.load import run

    port = free_port()
    server = serve(port, args.workers)
    try:
        for path in paths.values():
            run(port, path, headers={"Cookie": cookie}, clients=clients, requests=clients * 4)
        results = {}
        for label, path in paths.items():
            workers, backends = serving_pids(server)
            web, db = cpu_seconds(workers), cpu_seconds(backends)
            result = run(port, path, headers={"Cookie": cookie}, clients=clients, requests=args.requests)
            served = max(1, len(result.latencies))
            workers, backends = serving_pids(server)  # Django reconnects after CONN_MAX_AGE
            result.web_cpu_ms = cpu_used(web, cpu_seconds(workers)) * 1000 / served
            result.db_cpu_ms = cpu_used(db, cpu_seconds(backends)) * 1000 / served
            results[label] = result
        return results
    finally:
        server.terminate()
        server.wait()


def bench_inbox(size: int, args, department, clerk) -> dict:
    """Each variant's queries and plans, then runs that alternate the variants (ABBA), so noise falls on both."""
    from bench.load import session_cookie

    paths, terms = inbox_measures(department)
    cookie = session_cookie(clerk)
    found, runs, saved = {}, {}, {}
    try:
        for variant in args.variants:
            print(f"\n{size} open cases of {department.code} — inbox {VARIANTS[variant]} (search: {', '.join(terms)})")
            set_variant(variant, saved)
            found[variant] = explain(clerk, paths, plans=args.plans)
        print()
        for run in range(args.runs):
            for variant in args.variants if run % 2 == 0 else reversed(args.variants):
                set_variant(variant, saved)
                for clients in args.clients:
                    load = os.getloadavg()[0]
                    for label, result in measure(args, paths, cookie, clients).items():
                        runs.setdefault((variant, clients, label), []).append(result)
                    print(
                        f"  run {run + 1}, {VARIANTS[variant]}, {clients} clients: "
                        + ", ".join(
                            f"{label} p95 {runs[variant, clients, label][-1].percentile(95):.0f} ms "
                            f"(CPU {runs[variant, clients, label][-1].web_cpu_ms:.0f}"
                            f"+{runs[variant, clients, label][-1].db_cpu_ms:.0f} ms)"
                            for label in paths
                        )
                        + f"  (load average before: {load:.1f})",
                        flush=True,
                    )
    finally:
        set_variant("shipped", saved)
    print(
        f"\n{size} open cases of {department.code} (+ {size} of other departments) — GET /workbench/ as a window "
        f"clerk, {args.workers} gunicorn workers, {args.requests} requests x {args.runs} runs"
    )
    medians = {}
    for (variant, clients, label), results in runs.items():
        m = medians[variant, clients, label] = {
            "p50": statistics.median(r.percentile(50) for r in results),
            "p95": statistics.median(r.percentile(95) for r in results),
            "rps": statistics.median(r.throughput for r in results),
            "errors": sum(r.errors for r in results),
            "web_cpu": statistics.median(r.web_cpu_ms for r in results),
            "db_cpu": statistics.median(r.db_cpu_ms for r in results),
            **found[variant][label],
        }
        print(
            f"  {VARIANTS[variant]:<25} {clients} clients {label:<13} p50={m['p50']:6.1f} ms  p95={m['p95']:6.1f} ms  "
            f"{m['rps']:5.1f} req/s  errors={m['errors']}  (p95 per run: "
            f"{', '.join(f'{r.percentile(95):.0f}' for r in results)})  CPU per request: gunicorn "
            f"{m['web_cpu']:.1f} ms + PostgreSQL {m['db_cpu']:.1f} ms  one client in-process {m['ms']:.0f} ms "
            f"(SQL {m['sql_ms']:.0f} ms, template {m['template_ms']:.0f} ms, {m['queries']} queries)  "
            f"inbox indexes used: {'yes' if m['index'] else 'no'}"
        )
    return medians


def bench_query_only(size: int, args, department, clerk) -> None:
    """When the inbox view is not there: the query the brief names, timed in this process."""
    from django.db.models.functions import Coalesce

    from workflow.models import Case

    query = (
        Case.objects.visible_to(clerk)
        .open()
        .select_related("item", "step")
        .order_by(Coalesce("deadline_at", "step_deadline_at", "submitted_at"))
    )
    times = []
    for _ in range(args.requests // 4):
        started = time.perf_counter()
        list(query[:50])
        times.append(time.perf_counter() - started)
    print(f"\n{size} open cases — the inbox view is not ready; its query alone, one client, in-process:")
    print(f"  p50={statistics.median(times) * 1000:.1f} ms  p95={statistics.quantiles(times, n=20)[18] * 1000:.1f} ms")
    print("  " + query[:50].explain(analyze=True).replace("\n", "\n  "))


def inbox_ready() -> bool:
    from django.urls import reverse

    try:
        reverse("workflow:workbench")
        from workflow.selectors.workbench import inbox  # noqa: F401
    except Exception as error:  # noqa: BLE001 - whatever is missing, the view is not ready
        print(f"the inbox is not ready: {error!r}")
        return False
    return True


# ------------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, nargs="+", default=[1000, 2000], help="open cases of BENCH-01")
    parser.add_argument("--full", action="store_true", help="--cases 10000 100000 --filings 2000 --requests 400")
    parser.add_argument("--filings", type=int, default=100, help="filings per run and number of processes")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--parts", nargs="+", choices=["inbox", "filing"], default=["inbox", "filing"])
    parser.add_argument("--clients", type=int, nargs="+", default=[8], help="concurrent clients (each in turn)")
    parser.add_argument("--requests", type=int, default=200, help="requests per inbox measure and run")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--plans", action="store_true", help="print each case query's SQL and whole plan")
    parser.add_argument("--broker", default=BROKER, help="Redis database for the notification messages")
    args = parser.parse_args()
    if args.full:
        args.cases, args.filings, args.requests = [10_000, 100_000], 2000, 400

    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))  # so that the clean-up below runs
    media = tempfile.mkdtemp(prefix="bench-cases-media-")
    # Before Django is set up, so that the spawned filing processes and gunicorn inherit them.
    os.environ["CELERY_BROKER_URL"] = args.broker
    os.environ["MEDIA_ROOT"] = media
    django_setup("bench.settings")
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from bench.cases_data import bulk_cases, prepare

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(
        f"database: {settings.DATABASES['default']['ENGINE']} {version} {settings.DATABASES['default']['NAME']}  "
        f"broker: {settings.CELERY_BROKER_URL}  media: {media}  cores: {os.cpu_count()}"
    )
    broker = broker_client(args.broker)
    try:
        for size in args.cases:
            started = time.perf_counter()
            department, items, citizens, clerk = prepare(600, 2000)
            states = bulk_cases(department, size, others=size, trail=True)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            print(
                f"\n=== {size} open cases of {department.code} written in {time.perf_counter() - started:.0f} s: "
                + ", ".join(f"{state} {n}" for state, n in states.items())
            )
            if "inbox" in args.parts:
                if inbox_ready():
                    bench_inbox(size, args, department, clerk)
                else:
                    bench_query_only(size, args, department, clerk)
            if "filing" in args.parts:
                bench_filing(size, args, department, items, citizens, broker)
    finally:
        purge(broker)
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
