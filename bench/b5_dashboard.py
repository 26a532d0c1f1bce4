"""B5: the inspectors' dashboard under 8 concurrent clients on gunicorn.

Target (../shared/BENCH.md): p95 <= 200 ms at 1,000,000 cases and 50,000 open alerts.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_b5
    python bench/b5_dashboard.py                    # 20k cases / 1k open alerts, 100k / 5k
    python bench/b5_dashboard.py --full             # 100k / 5k, 1M / 50k

Each size is written straight into PostgreSQL (INSERT … SELECT over generate_series, no ORM):
the cases, spread over 600 items of 60 departments; the open alerts (95% on cases, the rest
cameras and the exchange; 30% red; 70% open, the rest acknowledged, ordered, answered,
escalated) raised over the last 60 days; twice as many closed alerts over 180 days; one trail
entry per raise and per clearing; an order per ordered, answered or escalated alert. Then
gunicorn serves ``bench.settings`` and closed-loop clients, logged in, ask for: the whole
dashboard of an inspector, its live part through htmx (pages 1–20 and the filters in turn), and
the dashboard of one department's head; the inspector's two again while an alert event is
written every 50 ms (every request then misses the caches: the worst case). The page's queries
are EXPLAINed as after a change (``--explain`` prints the plans).
"""

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import run, session_cookie  # noqa: E402
from bench.setup import ROOT, django_setup  # noqa: E402

SMALL = [(20_000, 1_000), (100_000, 5_000)]
FULL = [(100_000, 5_000), (1_000_000, 50_000)]
ITEMS = 600
INSPECTOR, HEAD, APPLICANT = "b5-inspector", "b5-head", "b5-citizen"

# Data ------------------------------------------------------------------------------------------


def _sql(statement: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def prepare_people():
    """The applicant of every case, an inspector, and the head of the first department."""
    from django.contrib.auth.models import Group

    from portal.models import Department, User
    from portal.roles import Role
    from portal.services import staff_assign_department

    applicant, _created = User.objects.get_or_create(username=APPLICANT, defaults={"name": "基准申请人"})
    inspector, _created = User.objects.get_or_create(username=INSPECTOR, defaults={"name": "基准监察员"})
    inspector.groups.set([Group.objects.get(name=Role.INSPECTOR)])
    head, _created = User.objects.get_or_create(username=HEAD, defaults={"name": "基准局长"})
    head.groups.set([Group.objects.get(name=Role.DEPT_HEAD)])
    head.department = Department.objects.get(code="BENCH-01")
    head.save()
    staff_assign_department(user=head, department=head.department)
    return applicant, inspector, head


def generate(cases: int, open_alerts: int) -> dict:
    """Empty cases and alerts, then ``cases`` cases and ``open_alerts`` open alerts (and history)."""
    from django.db import connection

    from bench.generate import generate as generate_catalogue
    from powers.models import PowerItem

    started = time.perf_counter()
    _sql(
        "TRUNCATE supervision_alertevent, supervision_supervisionorder, supervision_alert, workflow_case "
        "RESTART IDENTITY CASCADE"
    )
    if PowerItem.objects.count() != ITEMS:
        generate_catalogue(ITEMS, steps=2, materials=1)
    applicant, inspector, _head = prepare_people()
    _sql(
        """
        WITH it AS (SELECT row_number() OVER (ORDER BY id) - 1 AS k, id, department_id FROM powers_poweritem)
        INSERT INTO workflow_case (state, number, query_code, applicant_name, applicant_id_number, applicant_mobile,
            applicant_email, applicant_address, description, submitted_at, accepted_at, deadline_at,
            decision, refusal_reason, refusal_basis, revision, applicant_id, department_id, item_id,
            return_count, supplement_count, time_limit_days)
        SELECT (ARRAY['submitted', 'accepted', 'reviewing', 'reviewing', 'reviewing', 'reviewing', 'suspended',
                      'returned', 'approved', 'supplement'])[1 + mod(g, 10)],
               'B5-' || lpad(g::text, 12, '0'), substr(md5(g::text), 1, 8), '申请人' || (mod(g, 9973)),
               '', '139' || lpad(mod(g, 100000000)::text, 8, '0'), '', '', '',
               now() - (mod(g, 129600)) * interval '1 minute',
               CASE WHEN mod(g, 10) IN (0, 9) THEN NULL
                    ELSE now() - (mod(g, 129600)) * interval '1 minute' + interval '2 hours' END,
               CASE WHEN mod(g, 10) IN (0, 9) THEN NULL
                    ELSE now() - (mod(g, 129600)) * interval '1 minute' + (10 + mod(g, 30)) * interval '1 day' END,
               '', '', '', 3, %(applicant)s, it.department_id, it.id, 0, 0, 10
        FROM generate_series(1, %(cases)s) AS g JOIN it ON it.k = mod(g, %(items)s)
        """,
        {"applicant": applicant.pk, "cases": cases, "items": ITEMS},
    )
    # Case alerts go to distinct cases (7919 is prime: g * 7919 mod n never repeats), so the
    # one-open-alert-per-rule-and-subject index holds; cameras and the exchange have their own ids.
    rule_ids = dict(_rules())
    case_rules = [rule_ids[code] for code in ("T1", "T2", "S1", "R1", "J1", "G1", "H1", "F1")]
    _sql(
        f"""
        INSERT INTO supervision_alert (state, level, subject, subject_id, detail, raised_at, escalated_at,
            cleared_at, closed_at, case_id, department_id, rule_id)
        SELECT CASE WHEN g > %(open)s THEN 'closed'
                    ELSE (ARRAY['open', 'open', 'open', 'open', 'open', 'open', 'open', 'open', 'open', 'open',
                                'open', 'open', 'open', 'open', 'acknowledged', 'acknowledged', 'ordered',
                                'ordered', 'answered', 'escalated'])[1 + mod(g, 20)] END,
               CASE WHEN mod(g, 10) < 3 THEN 'red' ELSE 'yellow' END,
               CASE WHEN g <= 400 THEN 'camera' WHEN g <= 402 THEN 'exchange' ELSE 'case' END,
               CASE WHEN g <= 402 THEN g ELSE c.id END,
               '', raised, NULL,
               CASE WHEN g > %(open)s AND mod(g, 2) = 0 THEN raised + interval '1 day' END,
               CASE WHEN g > %(open)s THEN raised + interval '1 day' END,
               CASE WHEN g <= 402 THEN NULL ELSE c.id END,
               CASE WHEN g <= 400 OR g > 402 THEN c.department_id END,
               CASE WHEN g <= 200 THEN %(v1)s WHEN g <= 400 THEN %(v2)s WHEN g <= 402 THEN %(x1)s
                    ELSE (%(case_rules)s::bigint[])[1 + mod(g, {len(case_rules)})] END
        FROM generate_series(1, %(total)s) AS g
        CROSS JOIN LATERAL (SELECT now() - (CASE WHEN g > %(open)s THEN mod(g * 37, 259200)
                                                ELSE mod(g * 37, 86400) END) * interval '1 minute' AS raised) AS r
        JOIN workflow_case AS c ON c.id = 1 + mod(g::bigint * 7919, %(cases)s)
        """,
        {
            "open": open_alerts,
            "total": open_alerts * 3,
            "cases": cases,
            "v1": rule_ids["V1"],
            "v2": rule_ids["V2"],
            "x1": rule_ids["X1"],
            "case_rules": case_rules,
        },
    )
    _sql(
        """
        INSERT INTO supervision_alertevent (action, from_state, to_state, note, at, actor_id, alert_id)
        SELECT 'raise', '', 'open', '', raised_at, NULL::bigint, id FROM supervision_alert
        UNION ALL
        SELECT 'clear', 'open', 'closed', '', closed_at, NULL::bigint, id FROM supervision_alert WHERE state = 'closed'
        ORDER BY 5
        """
    )
    _sql(
        """
        INSERT INTO supervision_supervisionorder (instructions, due_date, issued_at, answer, answered_at, alert_id,
            answered_by_id, department_id, issued_by_id)
        SELECT '请于五个工作日内说明原因并整改', (raised_at + interval '6 days')::date, raised_at + interval '1 day',
               CASE WHEN state = 'answered' THEN '已整改' ELSE '' END,
               CASE WHEN state = 'answered' THEN raised_at + interval '2 days' END, id, NULL, department_id, %(by)s
        FROM supervision_alert WHERE state IN ('ordered', 'answered', 'escalated') AND department_id IS NOT NULL
        """,
        {"by": inspector.pk},
    )
    with connection.cursor() as cursor:
        for table in ("workflow_case", "supervision_alert", "supervision_alertevent", "supervision_supervisionorder"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    return {"seconds": time.perf_counter() - started, **_table_counts()}


def _rules() -> list[tuple[str, int]]:
    from supervision.models import Rule

    return list(Rule.objects.values_list("code", "pk"))


def _table_counts() -> dict:
    from supervision.models import Alert, AlertEvent
    from workflow.models import Case

    return {
        "cases": Case.objects.count(),
        "open alerts": Alert.objects.open().count(),
        "closed alerts": Alert.objects.filter(state="closed").count(),
        "alert events": AlertEvent.objects.count(),
    }


# Serving and measuring ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(port: int, workers: int) -> subprocess.Popen:
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "bench.settings"}
    command = [sys.executable, "-m", "gunicorn", "bench.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen([*command, "--workers", str(workers), "--log-level", "warning"], cwd=ROOT, env=env)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/bare/", timeout=1)
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


LIVE_QUERIES = ["", "level=red", "rule=T1", "state=ordered", "level=yellow&rule=S1"]


# A change to the alerts every this many seconds in the "changing" measure: every request misses
# the cache (the counts, the trend, the HTML of the tallies and rows), as if the sweep never rested.
CHURN_SECONDS = 0.05


def measures(department_id: int) -> dict:
    """label: (who, headers, path of request n, alerts changing meanwhile)."""
    htmx = {"HX-Request": "true"}
    live = [f"page={1 + n % 20}" for n in range(20)] + LIVE_QUERIES + [f"department={department_id}"]
    return {
        "bare view": (None, {}, lambda n: "/bench/bare/", False),
        "dashboard (inspector)": (INSPECTOR, {}, lambda n: "/supervision/", False),
        "dashboard, alerts changing": (INSPECTOR, {}, lambda n: "/supervision/", True),
        "live part (htmx)": (INSPECTOR, htmx, lambda n: f"/supervision/alerts/?{live[n % len(live)]}", False),
        "live part, alerts changing": (INSPECTOR, htmx, lambda n: f"/supervision/alerts/?{live[n % len(live)]}", True),
        "dashboard (department head)": (HEAD, {}, lambda n: "/supervision/", False),
    }


@contextmanager
def churn(active: bool):
    """While active, an alert event every CHURN_SECONDS, as the services and the sweep write them."""
    if not active:
        yield
        return
    from django.db import connection

    from supervision.models import Alert, AlertEvent

    stop = threading.Event()
    alert_id = Alert.objects.open().values_list("pk", flat=True).first()

    def write():
        while not stop.wait(CHURN_SECONDS):
            AlertEvent.objects.create(alert_id=alert_id, action="bench", to_state="open")
        connection.close()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def measure(port: int, args, department_id: int) -> dict:
    from portal.models import User

    users = User.objects.in_bulk([INSPECTOR, HEAD], field_name="username")
    cookies = {name: session_cookie(user) for name, user in users.items()}
    results = {}
    for label, (who, headers, path, changing) in measures(department_id).items():
        every = ({"Cookie": cookies[who]} if who else {}) | headers
        with churn(changing):
            run(port, path, headers=every, clients=args.clients, requests=args.clients * 4)  # warm up
            results[label] = run(port, path, headers=every, clients=args.clients, requests=args.requests)
    return results


def costs(department_id: int, repeat: int = 20) -> None:
    """What one request costs in this process, without HTTP nor concurrency: the Python CPU time
    and the time spent in the database, each the median of ``repeat``. Unlike the latencies under
    load these hardly move when other work shares the machine."""
    import statistics

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from portal.models import User
    from supervision.models import Alert, AlertEvent

    alert_id = Alert.objects.open().values_list("pk", flat=True).first()

    clients = {}
    for username in (INSPECTOR, HEAD):
        clients[username] = Client(HTTP_HOST="127.0.0.1")
        clients[username].force_login(
            User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend"
        )
    cases = {
        "dashboard (inspector)": (INSPECTOR, "/supervision/", {}),
        "live part (htmx)": (INSPECTOR, "/supervision/alerts/", {"HTTP_HX_REQUEST": "true"}),
        "live part, a state filter": (INSPECTOR, "/supervision/alerts/?state=ordered", {"HTTP_HX_REQUEST": "true"}),
        "dashboard (department head)": (HEAD, "/supervision/", {}),
        f"live part, department {department_id}": (
            INSPECTOR,
            f"/supervision/alerts/?department={department_id}",
            {"HTTP_HX_REQUEST": "true"},
        ),
    }
    for label, (who, path, headers) in cases.items():
        for missed in (False, True):
            cpu, database = [], []
            for _ in range(repeat):
                if missed:  # a change to the alerts, as the services and the sweep record it
                    AlertEvent.objects.create(alert_id=alert_id, action="bench", to_state="open")
                else:
                    clients[who].get(path, **headers)
                with CaptureQueriesContext(connection) as queries:
                    started = time.process_time()
                    assert clients[who].get(path, **headers).status_code == 200
                    cpu.append((time.process_time() - started) * 1000)
                database.append(sum(float(query["time"]) for query in queries.captured_queries) * 1000)
            print(
                f"  {label + (', after a change' if missed else ''):<48} python cpu {statistics.median(cpu):6.1f} ms"
                f"  database {statistics.median(database):6.1f} ms  ({len(queries)} queries)"
            )


def explain(verbose: bool) -> None:
    """EXPLAIN ANALYZE each query of the dashboard that reads the alerts, as the inspector and the head."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from portal.models import User

    for username in (INSPECTOR, HEAD):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend")
        client.get("/supervision/")
        with CaptureQueriesContext(connection) as cached:
            assert client.get("/supervision/").status_code == 200
        cache.clear()  # every query of the page, as after a change
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/supervision/").status_code == 200
        print(f"  queries of /supervision/ for {username}: {len(queries)}, {len(cached)} while nothing changes")
        for query in queries.captured_queries:
            sql = query["sql"]
            if "supervision_alert" not in sql:
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plan = [row[0] for row in cursor.fetchall()]
            what = sql.split(" FROM ")[0][:60]
            print(f"    {plan[-1].strip():<28} {plan[0].strip()[:90]}  ← {what}")
            if verbose:
                print("\n".join("        " + line for line in plan))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="1,000,000 cases and 50,000 open alerts (and 100k/5k)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--explain", action="store_true", help="print the whole plans")
    parser.add_argument("--size", action="append", help="CASES:OPEN_ALERTS instead of the default sizes (repeatable)")
    parser.add_argument("--reuse", action="store_true", help="keep the data in the database if it has this size")
    args = parser.parse_args()

    django_setup("bench.settings")
    from django.conf import settings
    from django.core.management import call_command

    from portal.models import Department

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("B5 runs against PostgreSQL: set DATABASE_URL")
    print(
        f"database: {settings.DATABASES['default']['NAME']}  clients: {args.clients}  "
        f"gunicorn workers: {args.workers}  requests per measure: {args.requests}"
    )
    call_command("migrate", verbosity=0)
    sizes = [tuple(int(n) for n in size.split(":")) for size in args.size] if args.size else None
    for cases, open_alerts in sizes or (FULL if args.full else SMALL):
        counts = _table_counts()
        if args.reuse and (counts["cases"], counts["open alerts"]) == (cases, open_alerts):
            print(f"\n{cases:,} cases, {open_alerts:,} open alerts (reused): {counts}")
        else:
            made = generate(cases, open_alerts)
            print(f"\n{cases:,} cases, {open_alerts:,} open alerts: generated in {made.pop('seconds'):.0f} s: {made}")
        department_id = Department.objects.get(code="BENCH-01").pk
        explain(args.explain)
        costs(department_id)
        port = free_port()
        server = serve(port, args.workers)
        try:
            results = measure(port, args, department_id)
        finally:
            server.terminate()
            server.wait()
        for label, result in results.items():
            print("  " + result.row(label))


if __name__ == "__main__":
    main()
