"""B3, the filing pipeline: filed in the external zone → the exchange (spool) → a case in the internal zone.

Target (../shared/BENCH.md B3): >= 50 filings/s sustained over 10,000 filings; none lost, none
duplicated, counted on both sides.

The two zones run as deployed, with tests/exchange/zones.py: a PostgreSQL database each
(``bench_b3_external``, ``bench_b3_internal``, dropped at the end), a Celery worker and beat each
(no web server), Redis as each zone's broker (databases 12 and 13, flushed first; ``--broker-db``)
and the spool transport in a shared temporary directory, with a round of the exchange every
``--interval`` seconds from beat besides the round each filing starts after its commit.

For each size N, ``--filers`` processes (each with the external zone's environment, Django set up
and connected before the start) file N applications between them through
``workflow.services.cases.case_file``: the demo citizen 13800000001 for the demo item XK-YG-SJJ-0002
with its three required materials as small PDFs. Measured from the start signal: the filing rate
outside; the end-to-end rate, until the last of the N cases is applied inside (the internal inbox's
``applied_at``, polled with SQL); and until every outbound packet is acknowledged. Then each side is
counted by the numbers the filers got back (cases, packets, trail entries, attachments, quarantine,
the spool), and where the time went is taken from the packets' timestamps and the workers' logs.

    .venv/bin/python bench/b3_exchange.py --quick
    .venv/bin/python bench/b3_exchange.py --sizes 1000 10000 --filers 2
"""

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ITEM = "XK-YG-SJJ-0002"  # the demo's 个体工商户设立登记, three required materials
CITIZEN = "13800000001"
PREFIX = "bench_b3"
SUBMITTED = "application.submitted"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
STALL_SECONDS = 180  # no progress inside for this long: the rest is reported lost


# A filer: one process of the external zone ---------------------------------------------------------


def filer(count: int, tag: str) -> None:
    """File ``count`` applications once the parent says go (a line on stdin); print one JSON line."""
    from bench.setup import django_setup

    django_setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from portal.models import User
    from powers.models import PowerItem
    from workflow.services.cases import Upload, case_file

    citizen = User.objects.get(username=CITIZEN)
    item = PowerItem.objects.published().get(code=ITEM)
    required = list(item.materials.filter(required=True))
    connection.ensure_connection()
    print("ready", flush=True)
    sys.stdin.readline()
    started, cpu = time.time(), time.process_time()
    numbers, failures = [], []
    for n in range(count):
        try:
            case = case_file(
                applicant=citizen,
                item=item,
                applicant_name=citizen.name,
                applicant_id_number=citizen.id_number,
                applicant_mobile=citizen.mobile,
                description=f"基准 {tag}-{n}",
                uploads=[
                    Upload(material, SimpleUploadedFile(f"{material.position}.pdf", PDF)) for material in required
                ],
            )
        except Exception as error:  # noqa: BLE001 - counted and shown, the run goes on
            failures.append(repr(error))
        else:
            numbers.append(case.number)
    result = {"numbers": numbers, "failures": failures[:5], "failed": len(failures), "started": started}
    result.update(finished=time.time(), cpu=time.process_time() - cpu)
    print(json.dumps(result), flush=True)


def file_outside(external, filings: int, filers: int) -> dict:
    """``filings`` split over ``filers`` processes; returns the start moment (epoch) and what they report."""
    shares = [filings // filers + (n < filings % filers) for n in range(filers)]
    processes = [
        subprocess.Popen(
            [sys.executable, __file__, "--filer", str(share), "--tag", str(n)],
            cwd=Path(__file__).resolve().parent.parent,
            env=external.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n, share in enumerate(shares)
    ]
    for process in processes:
        line = process.stdout.readline()
        assert line.strip() == "ready", f"a filer did not start: {line!r}"
    started = time.time()
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    return {"started": started, "processes": processes}


def filers_done(run: dict) -> dict:
    reports = []
    for process in run["processes"]:
        out, _err = process.communicate(timeout=7200)
        assert process.returncode == 0, "a filer failed"
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return {
        "numbers": [number for report in reports for number in report["numbers"]],
        "failed": sum(report["failed"] for report in reports),
        "failures": [failure for report in reports for failure in report["failures"]],
        "finished": max(report["finished"] for report in reports),
        "cpu": sum(report["cpu"] for report in reports),
    }


# Watching and counting --------------------------------------------------------------------------


def rows(zone, sql: str, *params) -> list[tuple]:
    import psycopg2

    with psycopg2.connect(**zone.database) as connection, connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def spooled(spool: Path) -> dict[str, int]:
    return {
        "packets to internal": len(list((spool / "to-internal").glob("*.packet"))),
        "acks to external": len(list((spool / "to-external").glob("*.ack"))),
        "acks to internal": len(list((spool / "to-internal").glob("*.ack"))),
        "temporary files": len(list(spool.glob("*/.*.tmp"))),
    }


def progress(zones, since: float) -> dict:
    """What each stage has done since the epoch ``since``, from both databases."""
    external, internal = zones["external"], zones["internal"]
    ((created, shipped, acked, pending),) = rows(
        external,
        "SELECT count(*), count(shipped_at), count(acked_at), count(*) FILTER (WHERE acked_at IS NULL) "
        "FROM exchange_outboundpacket WHERE kind = %s AND created_at >= to_timestamp(%s)",
        SUBMITTED,
        since,
    )
    ((received, applied, quarantined),) = rows(
        internal,
        "SELECT count(*) FILTER (WHERE kind = %s AND received_at >= to_timestamp(%s)), "
        "count(*) FILTER (WHERE kind = %s AND applied_at >= to_timestamp(%s)), "
        "count(*) FILTER (WHERE state = 'quarantined') FROM exchange_inboundpacket",
        SUBMITTED,
        since,
        SUBMITTED,
        since,
    )
    return {
        "filed": created,
        "shipped": shipped,
        "received": received,
        "applied": applied,
        "acked": acked,
        "unacked": pending,
        "quarantined": quarantined,
    }


def wait_pipeline(zones, run: dict, filings: int, spool: Path) -> dict:
    """Poll both databases until the N cases are applied inside and acknowledged outside, or stall."""
    started, last_print, last_change, seen = run["started"], 0.0, time.time(), None
    moments: dict[str, float] = {}
    while True:
        now = time.time()
        state = progress(zones, started)
        if state["applied"] >= filings and "applied" not in moments:
            moments["applied"] = now
        if state["acked"] >= filings and not state["unacked"] and "acked" not in moments:
            moments["acked"] = now
        if "acked" in moments and "applied" in moments:
            break
        if state != seen:
            seen, last_change = state, now
        elif now - last_change > STALL_SECONDS:
            print(f"  no progress for {STALL_SECONDS} s: giving up waiting", flush=True)
            break
        if now - last_print >= 5:
            last_print = now
            load = os.getloadavg()[0]
            print(
                f"  {now - started:6.1f} s  "
                + "  ".join(f"{key} {value}" for key, value in state.items())
                + f"  spool {spooled(spool)['packets to internal']}  load {load:.1f}",
                flush=True,
            )
        time.sleep(0.25)
    return moments


def counts(zones, numbers: list[str], spool: Path) -> dict:
    """Each side counted by the numbers the filers got back."""
    external, internal = zones["external"], zones["internal"]
    out = {}
    out["external cases"] = external.query("SELECT count(*) FROM workflow_case WHERE number = ANY(%s)", numbers)
    ((packets, streams, acked),) = rows(
        external,
        "SELECT count(*), count(DISTINCT stream), count(acked_at) FROM exchange_outboundpacket "
        "WHERE kind = %s AND stream = ANY(%s)",
        SUBMITTED,
        numbers,
    )
    out.update({"outbox packets": packets, "outbox streams": streams, "outbox acknowledged": acked})
    ((cases, distinct),) = rows(
        internal, "SELECT count(*), count(DISTINCT number) FROM workflow_case WHERE number = ANY(%s)", numbers
    )
    out.update({"internal cases": cases, "internal distinct numbers": distinct})
    out["internal cases with one submit entry"] = internal.query(
        "SELECT count(*) FROM (SELECT c.id FROM workflow_case c JOIN workflow_trailentry t ON t.case_id = c.id "
        "WHERE c.number = ANY(%s) AND t.action = 'submit' GROUP BY c.id HAVING count(*) = 1) one",
        numbers,
    )
    out["internal submit entries"] = internal.query(
        "SELECT count(*) FROM workflow_trailentry t JOIN workflow_case c ON c.id = t.case_id "
        "WHERE c.number = ANY(%s) AND t.action = 'submit'",
        numbers,
    )
    out["internal attachments"] = internal.query(
        "SELECT count(*) FROM workflow_attachment a JOIN workflow_case c ON c.id = a.case_id WHERE c.number = ANY(%s)",
        numbers,
    )
    out["internal cases with 3 attachments"] = internal.query(
        "SELECT count(*) FROM (SELECT a.case_id FROM workflow_attachment a JOIN workflow_case c ON c.id = a.case_id "
        "WHERE c.number = ANY(%s) GROUP BY a.case_id HAVING count(*) = 3) three",
        numbers,
    )
    ((inbound, applied),) = rows(
        internal,
        "SELECT count(*), count(*) FILTER (WHERE state = 'applied') FROM exchange_inboundpacket "
        "WHERE kind = %s AND stream = ANY(%s)",
        SUBMITTED,
        numbers,
    )
    out.update({"inbox packets": inbound, "inbox applied": applied})
    for zone in (external, internal):
        out[f"{zone.name} quarantined"] = zone.query(
            "SELECT count(*) FROM exchange_inboundpacket WHERE state = 'quarantined'"
        )
    out.update({f"spool: {key}": value for key, value in spooled(spool).items()})
    return out


def problems_in(found: dict, filings: int, numbers: list[str], failed: int) -> tuple[int, int, list[str]]:
    """(lost, duplicated, what is wrong)."""
    wrong = []
    if failed:
        wrong.append(f"{failed} filings raised")
    if len(numbers) != len(set(numbers)):
        wrong.append(f"{len(numbers) - len(set(numbers))} numbers returned twice")
    filed = len(set(numbers))
    expected = {
        "external cases": filed,
        "outbox packets": filed,
        "outbox streams": filed,
        "outbox acknowledged": filed,
        "internal cases": filed,
        "internal distinct numbers": filed,
        "internal cases with one submit entry": filed,
        "internal submit entries": filed,
        "internal attachments": 3 * filed,
        "internal cases with 3 attachments": filed,
        "inbox packets": filed,
        "inbox applied": filed,
        "external quarantined": 0,
        "internal quarantined": 0,
    }
    expected.update({key: 0 for key in found if key.startswith("spool:")})
    wrong += [f"{key}: {found[key]}, expected {value}" for key, value in expected.items() if found[key] != value]
    lost = filings - min(found["internal distinct numbers"], found["external cases"]) if filings else 0
    duplicated = (
        (found["internal cases"] - found["internal distinct numbers"])
        + max(found["inbox packets"] - filed, 0)
        + max(found["internal submit entries"] - filed, 0)
        + max(found["outbox packets"] - filed, 0)
    )
    return lost, duplicated, wrong


# Where the time goes -------------------------------------------------------------------------------


def percentiles(values: list[float]) -> str:
    if not values:
        return "-"
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    return f"median {statistics.median(values):6.2f} s, p95 {p95:6.2f} s, max {values[-1]:6.2f} s"


def stages(zones, numbers: list[str]) -> list[str]:
    """Each packet's journey from the outbox's and the inbox's timestamps (one clock: this machine)."""
    outbound = {
        packet_id: (created, shipped, acked, attempts)
        for packet_id, created, shipped, acked, attempts in rows(
            zones["external"],
            "SELECT id::text, extract(epoch FROM created_at), extract(epoch FROM shipped_at), "
            "extract(epoch FROM acked_at), attempts FROM exchange_outboundpacket WHERE kind = %s AND stream = ANY(%s)",
            SUBMITTED,
            numbers,
        )
    }
    inbound = {
        packet_id: (received, applied)
        for packet_id, received, applied in rows(
            zones["internal"],
            "SELECT packet_id::text, extract(epoch FROM received_at), extract(epoch FROM applied_at) "
            "FROM exchange_inboundpacket WHERE kind = %s AND stream = ANY(%s)",
            SUBMITTED,
            numbers,
        )
    }
    journeys = [(*outbound[key], *inbound[key]) for key in outbound.keys() & inbound.keys()]
    journeys = [[float(value) if value is not None else None for value in journey] for journey in journeys]

    def gaps(first: int, second: int) -> list[float]:
        return [j[second] - j[first] for j in journeys if j[first] is not None and j[second] is not None]

    def span(index: int) -> str:
        moments = [j[index] for j in journeys if j[index] is not None]
        if len(moments) < 2:
            return ""
        return f"  ({len(moments) / (max(moments) - min(moments) or 1):.1f}/s over its own span)"

    # created 0, shipped 1, acked 2, attempts 3, received 4, applied 5
    reshipped = sum(1 for j in journeys if j[3] > 1)
    stored = sum(1 for path in (zones["internal"].var / "media" / "exchange" / "in").rglob("*") if path.is_file())
    return [
        f"filed → shipped outside (last shipping):  {percentiles(gaps(0, 1))}{span(1)}",
        f"shipped → received inside:                {percentiles(gaps(1, 4))}{span(4)}",
        f"received → applied inside:                {percentiles(gaps(4, 5))}{span(5)}",
        f"received → acknowledgement noted outside: {percentiles(gaps(4, 2))}{span(2)}",
        f"filed → applied inside (end to end):      {percentiles(gaps(0, 5))}",
        f"packets shipped more than once: {reshipped} of {len(journeys)}",
        f"attachment files stored by the internal inbox: {stored} "
        "(3 per application received once, plus the demo catalogue's; all runs so far)",
    ]


ROUND = re.compile(
    r"Task workflow\.exchange\.tasks\.exchange_run\[[^\]]+\] succeeded in ([0-9.e-]+)s: "
    r"\{'shipped': (\d+), 'received': (\d+), 'applied': (\d+), 'acked': (\d+)\}"
)
OTHER_TASK = re.compile(r"Task ([\w.]+)\[[^\]]+\] succeeded in ([0-9.e-]+)s")


def rounds(zone, offset: int) -> str:
    """The exchange rounds the zone's worker logged since ``offset``: count, time, what they did."""
    text = (zone.var / "worker.log").read_bytes()[offset:].decode(errors="replace")
    found = [tuple(float(value) for value in match.groups()) for match in ROUND.finditer(text)]
    others: dict[str, list[float]] = {}
    for name, seconds in OTHER_TASK.findall(text):
        if not name.endswith("exchange_run"):
            others.setdefault(name.rsplit(".", 1)[-1], []).append(float(seconds))
    errors = len(re.findall(r"\b(ERROR|CRITICAL)\b", text))
    if not found:
        return f"{zone.name} worker: no exchange round logged; {errors} errors"
    busy = [round_ for round_ in found if any(round_[1:])]
    totals = [int(sum(round_[n] for round_ in found)) for n in range(1, 5)]
    line = (
        f"{zone.name} worker: {len(found)} rounds ({len(busy)} with work) in {sum(r[0] for r in found):.1f} s of "
        f"task time, longest {max(r[0] for r in found):.2f} s; shipped {totals[0]}, received {totals[1]}, "
        f"applied {totals[2]}, acks noted {totals[3]}"
    )
    for name, seconds in others.items():
        line += f"; {len(seconds)} × {name} in {sum(seconds):.1f} s"
    return line + f"; {errors} errors logged"


def cpu_seconds(pids) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants (a prefork worker's children do the work)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return [pid, *(descendant for child in children for descendant in tree(int(child)))]


def postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / ticks, sum(fields) / ticks


# One size --------------------------------------------------------------------------------------------


def quiet(zones, spool: Path) -> None:
    """Nothing in flight: every packet acknowledged and applied on both sides (the demo catalogue
    reaches the external zone at first), the spool empty."""
    from tests.exchange.zones import eventually

    for zone in zones.values():
        eventually(
            lambda zone=zone: (
                not zone.query(
                    "SELECT (SELECT count(*) FROM exchange_outboundpacket WHERE acked_at IS NULL) "
                    "+ (SELECT count(*) FROM exchange_inboundpacket WHERE state = 'pending')"
                )
            ),
            timeout=300,
            every=0.5,
            message=f"{zone.name} still has unacknowledged packets\n{zone.logs()}",
        )
    eventually(lambda: not spooled(spool)["packets to internal"], timeout=60, message="packets left in the spool")
    time.sleep(3)  # the rounds that did it log their end: not counted in the next run's


def bench_size(zones, filings: int, args, spool: Path) -> dict:
    from tests.exchange.zones import eventually

    external, internal = zones["external"], zones["internal"]
    quiet(zones, spool)
    offsets = {name: (zone.var / "worker.log").stat().st_size for name, zone in zones.items()}
    workers = {name: zone.processes["worker"].pid for name, zone in zones.items()}
    load_before = os.getloadavg()
    print(f"\n{filings} filings by {args.filers} processes (load average before: {load_before[0]:.2f})", flush=True)
    cpu_before = {name: cpu_seconds(tree(pid)) for name, pid in workers.items()}
    pg_before, machine_before = cpu_seconds(postgres_pids()), machine_busy()
    if args.split:  # the internal zone is down while the external one files and ships
        internal.stop("worker", "beat")
    run = file_outside(external, filings, args.filers)
    drain_started = None
    if args.split:
        eventually(
            lambda: progress(zones, run["started"])["shipped"] >= filings,
            timeout=7200,
            every=0.5,
            message="the external zone did not ship everything\n" + external.logs(),
        )
        internal.start("worker", "beat")
        drain_started = time.time()
        workers["internal"], cpu_before["internal"] = internal.processes["worker"].pid, 0.0
    moments = wait_pipeline(zones, run, filings, spool)
    filed = filers_done(run)
    cpu = {name: cpu_seconds(tree(pid)) - cpu_before[name] for name, pid in workers.items()}
    pg_cpu = cpu_seconds(postgres_pids()) - pg_before  # backends that ended meanwhile are not counted
    machine_after = machine_busy()
    started = run["started"]
    filing_seconds = filed["finished"] - started
    numbers = filed["numbers"]
    # The exact moments from the databases (the polling above only decides when to stop).
    last_applied = internal.query(
        "SELECT extract(epoch FROM max(applied_at)) FROM exchange_inboundpacket WHERE kind = %s AND stream = ANY(%s)",
        SUBMITTED,
        numbers,
    )
    last_acked = external.query(
        "SELECT extract(epoch FROM max(acked_at)) FROM exchange_outboundpacket WHERE kind = %s AND stream = ANY(%s)",
        SUBMITTED,
        numbers,
    )
    end_seconds = float(last_applied) - started if last_applied and "applied" in moments else None
    if args.split:
        last_shipped = external.query(
            "SELECT extract(epoch FROM max(shipped_at)) FROM exchange_outboundpacket WHERE stream = ANY(%s)", numbers
        )
        outside_seconds = float(last_shipped) - started
        inside_seconds = float(last_applied) - drain_started if end_seconds else None
    ack_seconds = float(last_acked) - started if last_acked and "acked" in moments else None
    # Copies shipped again before their acknowledgement came (after 30 s) may still be on their way:
    # the receiver recognises them; the spool is counted once they are through.
    deadline = time.time() + 60
    while spooled(spool)["packets to internal"] and time.time() < deadline:
        time.sleep(0.5)
    found = counts(zones, numbers, spool)
    lost, duplicated, wrong = problems_in(found, filings, numbers, filed["failed"])
    busy, total = (after - before for after, before in zip(machine_after, machine_before, strict=True))
    result = {
        "filings": filings,
        "filed": len(numbers),
        "filing_rate": len(numbers) / filing_seconds,
        "filing_seconds": filing_seconds,
        "end_seconds": end_seconds,
        "end_rate": filings / end_seconds if end_seconds else None,
        "ack_seconds": ack_seconds,
        "lost": lost,
        "duplicated": duplicated,
        "wrong": wrong,
        "load": load_before[0],
        "outside_rate": filings / outside_seconds if args.split else None,
        "inside_rate": filings / inside_seconds if args.split and inside_seconds else None,
    }
    print(f"  filed outside: {len(numbers)} in {filing_seconds:.1f} s = {result['filing_rate']:.1f}/s", flush=True)
    for failure in filed["failures"]:
        print(f"  filing failed: {failure}")
    end = f"{end_seconds:.1f} s = {result['end_rate']:.1f}/s" if end_seconds else "NOT COMPLETE"
    print(f"  end to end: {end}; all acknowledged after {f'{ack_seconds:.1f} s' if ack_seconds else 'NEVER'}")
    if args.split:
        inside = f"{inside_seconds:.1f} s = {result['inside_rate']:.1f}/s" if inside_seconds else "NOT COMPLETE"
        print(
            f"  split: outside alone filed and shipped in {outside_seconds:.1f} s = {result['outside_rate']:.1f}/s; "
            f"inside alone received and applied the backlog in {inside}"
        )
    print("  counted:")
    for key, value in found.items():
        print(f"    {key:40} {value}")
    print(f"  lost {lost}, duplicated {duplicated}{'' if not wrong else '; PROBLEMS: ' + '; '.join(wrong)}")
    print("  where the time goes (per packet, from created_at/shipped_at/acked_at and received_at/applied_at):")
    for line in stages(zones, numbers):
        print(f"    {line}")
    for name, zone in zones.items():
        print(f"    {rounds(zone, offsets[name])}")
    window = (max(filter(None, [end_seconds, ack_seconds, filing_seconds]))) or 1
    print(
        f"  CPU over the run ({window:.0f} s, {os.cpu_count()} cores, machine {busy / total * 100:.0f} % busy): "
        f"filers {filed['cpu']:.1f} s ({filed['cpu'] * 1000 / max(len(numbers), 1):.1f} ms/filing in Python), "
        f"external worker {cpu['external']:.1f} s, internal worker {cpu['internal']:.1f} s, "
        f"PostgreSQL (all live backends, whole server) {pg_cpu:.1f} s",
        flush=True,
    )
    return result


# Main ----------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 200 filings")
    parser.add_argument("--filers", type=int, default=2, help="filing processes (default 2)")
    parser.add_argument("--concurrency", type=int, default=2, help="each zone's worker processes (default 2)")
    parser.add_argument("--pool", default="prefork", help="the workers' Celery pool (default prefork, as deployed)")
    parser.add_argument("--interval", type=int, default=1, help="EXCHANGE_INTERVAL, seconds (default 1)")
    parser.add_argument("--broker-db", type=int, nargs=2, default=[12, 13], metavar=("EXTERNAL", "INTERNAL"))
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    parser.add_argument("--postgres", default="127.0.0.1:5432", help="host:port, user postgres, trust auth")
    parser.add_argument("--keep", action="store_true", help="keep the databases and the directory")
    parser.add_argument(
        "--split",
        action="store_true",
        help="each zone alone, as on hosts of their own: the internal zone is down while the external one "
        "files and ships, then started to apply the backlog",
    )
    parser.add_argument("--filer", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--tag", default="0", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.filer is not None:
        return filer(args.filer, args.tag)
    sizes = [200] if args.quick else args.sizes

    from bench.setup import django_setup

    django_setup()
    import redis

    from tests.exchange.zones import eventually, zones_create, zones_drop

    host, port = args.postgres.split(":")
    server = {"host": host, "port": int(port), "user": "postgres"}
    brokers = {
        name: f"{args.redis.rstrip('/')}/{db}"
        for name, db in zip(("external", "internal"), args.broker_db, strict=True)
    }
    for url in brokers.values():
        redis.Redis.from_url(url).flushdb()
    root = Path(tempfile.mkdtemp(prefix="b3-"))
    spool = root / "spool"
    print(
        f"B3 on {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; PostgreSQL {args.postgres} "
        f"({PREFIX}_external, {PREFIX}_internal); broker Redis: external {brokers['external']}, internal "
        f"{brokers['internal']}; spool {spool}; worker --pool={args.pool} --concurrency={args.concurrency}, "
        f"EXCHANGE_INTERVAL={args.interval} s",
        flush=True,
    )
    started = time.perf_counter()
    zones = zones_create(
        root, server, PREFIX, interval=args.interval, brokers=brokers, concurrency=args.concurrency, pool=args.pool
    )
    results = []
    try:
        for zone in zones.values():
            zone.env["DEBUG"] = "false"  # as deployed: no query log kept in every process
            zone.start("worker", "beat")
        eventually(
            lambda: zones["external"].query(
                "SELECT count(*) FROM powers_poweritem WHERE code = %s AND status = 'published'", ITEM
            ),
            timeout=120,
            message="the catalogue did not reach the external zone\n" + zones["external"].logs(),
        )
        print(f"zones ready in {time.perf_counter() - started:.0f} s", flush=True)
        for size in sizes:
            results.append(bench_size(zones, size, args, spool))
        backlog = {name: redis.Redis.from_url(url).llen("celery") for name, url in brokers.items()}
    finally:
        for zone in zones.values():
            zone.stop()
        if not args.keep:
            zones_drop(server, PREFIX)
            shutil.rmtree(root, ignore_errors=True)
    print("\nB3 — filing pipeline through the spool (target ≥ 50 filings/s sustained, none lost or duplicated)")
    print(f"  {args.filers} filing processes; tasks left in the brokers at the end: {backlog}")
    titles = ("filings", "filed/s", "end-to-end", "e2e/s", "all acked", "lost", "dup")
    header = zip(titles, (8, 8, 11, 7, 10, 5, 4), strict=True)
    print("  " + " ".join(f"{title:>{width}}" for title, width in header) + "  load")
    for result in results:
        end = f"{result['end_seconds']:.1f} s" if result["end_seconds"] else "-"
        rate = f"{result['end_rate']:.1f}" if result["end_rate"] else "-"
        acked = f"{result['ack_seconds']:.1f} s" if result["ack_seconds"] else "-"
        split = (
            f"  outside alone {result['outside_rate']:.1f}/s, inside alone {result['inside_rate'] or 0:.1f}/s"
            if args.split
            else ""
        )
        print(
            f"  {result['filings']:>8} {result['filing_rate']:>8.1f} {end:>11} {rate:>7} {acked:>10} "
            f"{result['lost']:>5} {result['duplicated']:>4}  {result['load']:.2f}{split}"
            f"{'  ' + str(len(result['wrong'])) + ' PROBLEMS' if result['wrong'] else ''}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"  (this process's peak RSS {peak // 1024} MB; run in {time.perf_counter() - started:.0f} s)")
    if any(result["wrong"] or result["lost"] or result["duplicated"] for result in results):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
