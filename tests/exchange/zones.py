"""Two zones on this machine as they are deployed: each with its own PostgreSQL database, var
directory (media, broker queue), web server, Celery worker and beat; joined only by a spool
directory, as by a file ferry. Used by tests/exchange/test_zones.py and bench/b3_exchange.py.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
from django.conf import settings

PYTHON = sys.executable
CELERY = str(Path(sys.executable).parent / "celery")
EXCHANGE_KEY = "two-zone-exchange-key-for-tests-and-benches"


def eventually(check, *, timeout: float = 60, every: float = 0.2, message: str = ""):
    """Poll ``check`` until it returns something true; fail with ``message`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            assert result, message or f"not true after {timeout} s"
            return result
        time.sleep(every)


@dataclass
class Zone:
    name: str
    port: int
    database: dict
    env: dict
    var: Path
    concurrency: int = 4  # the worker's threads or processes
    pool: str = "threads"  # Celery's pool: "prefork" as deployed, threads start faster
    processes: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str, timeout: float = 600) -> str:
        done = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"{self.name}: manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def start(self, *roles: str) -> None:
        """Start the zone's ``web``, ``worker`` and/or ``beat`` (all three when none is named)."""
        commands = {
            "web": [PYTHON, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            "worker": [CELERY, "-A", "portal", "worker", f"--pool={self.pool}", f"--concurrency={self.concurrency}"]
            + ["--without-mingle", "--without-gossip", "--loglevel=INFO"],
            "beat": [CELERY, "-A", "portal", "beat", "--loglevel=INFO", "-s", str(self.var / "beat-schedule")],
        }
        for role in roles or commands:
            log = open(self.var / f"{role}.log", "ab")  # noqa: SIM115 - closed with the process
            self.processes[role] = subprocess.Popen(
                commands[role],
                cwd=settings.BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            log.close()
        if "web" in (roles or commands):
            eventually(self._answers, timeout=60, message=f"the {self.name} zone's web server did not start")

    def stop(self, *roles: str, kill: bool = False) -> None:
        for role in roles or list(self.processes):
            process = self.processes.pop(role, None)
            if process is None or process.poll() is not None:
                continue
            os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def _answers(self) -> bool:
        try:
            self.health()
        except OSError:
            return False
        return True

    def health(self) -> dict:
        """/healthz as JSON, healthy or not."""
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            return json.load(error)

    def query(self, sql: str, *params):
        """The first column of the first row of ``sql`` in this zone's own database."""
        with psycopg2.connect(**self.database) as connection, connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def execute(self, sql: str, *params) -> int:
        """Run ``sql`` in this zone's database, as an operator at its console would; rows changed."""
        with psycopg2.connect(**self.database) as connection, connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    def logs(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in sorted(self.var.glob("*.log")))


def _recreate(server: dict, name: str) -> None:
    connection = psycopg2.connect(**server, dbname="postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def zones_create(
    root: Path,
    server: dict,
    prefix: str,
    *,
    ports=(8610, 8611),
    interval: int = 1,
    brokers: dict[str, str] | None = None,
    concurrency: int = 4,
    pool: str = "threads",
) -> dict[str, Zone]:
    """Both zones, migrated, the internal one seeded with the demo data (whose catalogue it sends
    out) and the external one with its accounts; nothing started yet.

    ``server``: host, port and user of the PostgreSQL server; each zone gets a database of its own.
    ``brokers``: zone name → Celery broker URL (as deployed: a Redis database each); by default a
    directory under each zone's var. ``concurrency`` and ``pool``: each worker's.
    """
    spool = root / "spool"
    spool.mkdir(parents=True, exist_ok=True)
    zones = {}
    for name, port in zip(("external", "internal"), ports, strict=True):
        database = f"{prefix}_{name}"
        _recreate(server, database)
        var = root / name
        var.mkdir(exist_ok=True)
        url = f"postgres://{server['user']}@{server['host']}:{server['port']}/{database}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.local",
            "PORTAL_ZONE": name,
            "DATABASE_URL": url,
            "VAR_DIR": str(var),
            "CELERY_BROKER_URL": (brokers or {}).get(name, "filesystem://"),
            "REDIS_URL": "",
            "EXCHANGE_TRANSPORT": "spool",
            "EXCHANGE_SPOOL_DIR": str(spool),
            "EXCHANGE_KEY": EXCHANGE_KEY,
            "EXCHANGE_INTERVAL": str(interval),
            "PUBLIC_URL": f"http://127.0.0.1:{ports[0]}",
        }
        zones[name] = Zone(name, port, {**server, "dbname": database}, env, var, concurrency, pool)
    migrations = [
        subprocess.Popen([PYTHON, "manage.py", "migrate", "--noinput"], cwd=settings.BASE_DIR, env=zone.env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for zone in zones.values()
    ]  # fmt: skip
    for migration in migrations:
        _out, errors = migration.communicate(timeout=600)
        assert migration.returncode == 0, errors.decode()
    zones["internal"].manage("seed_demo")
    zones["external"].manage("seed_demo")
    return zones


def zones_drop(server: dict, prefix: str) -> None:
    connection = psycopg2.connect(**server, dbname="postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        for name in ("external", "internal"):
            cursor.execute(f'DROP DATABASE IF EXISTS "{prefix}_{name}" WITH (FORCE)')
    connection.close()
