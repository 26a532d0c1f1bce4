"""A small closed-loop HTTP load generator: N clients, each sending its next request when the last answers."""

import http.client
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Result:
    latencies: list[float]
    seconds: float
    errors: int

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: float) -> float:
        return statistics.quantiles(self.latencies, n=100)[int(p) - 1] * 1000

    def row(self, label: str) -> str:
        return (
            f"{label:<28} n={len(self.latencies):<5} p50={self.percentile(50):7.1f} ms  "
            f"p95={self.percentile(95):7.1f} ms  {self.throughput:7.1f} req/s  errors={self.errors}"
        )


def run(
    port: int, next_path: Callable[[int], str], *, clients: int, requests: int, headers: dict | None = None
) -> Result:
    """``requests`` GETs of ``next_path(n)`` by ``clients`` clients, each with ``headers`` (a session cookie)."""
    headers = headers or {}
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(requests))

    def client():
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            started = time.perf_counter()
            try:
                connection.request("GET", next_path(n), headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = time.perf_counter() - started
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors += 1
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(latencies, time.perf_counter() - started, errors)


def session_cookie(user) -> str:
    """A logged-in session of ``user`` in the database, as the login view would leave it: a Cookie header."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
