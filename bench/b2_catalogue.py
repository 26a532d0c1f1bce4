"""B2: public catalogue search and item page under 8 concurrent clients on gunicorn.

Target (../shared/BENCH.md): p95 <= 100 ms search, <= 50 ms item page at 10,000 items; search
throughput at least 40% of a bare Django view served the same way in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench python bench/b2_catalogue.py --sizes 1000 10000
"""

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import ROOT, django_setup  # noqa: E402

KEYWORDS = ["经营", "许可", "食品", "处罚", "道路运输", "医疗机构", "备案", "行政许可法", "排污", "征收"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(port: int, workers: int) -> subprocess.Popen:
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "bench.settings"}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "bench.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/bare/", timeout=1)
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


def paths(codes: list[str]) -> dict:
    """Request n of each measure: keywords and items spread evenly, the same in every run."""
    return {
        "bare view": lambda n: "/bench/bare/",
        "search": lambda n: f"/catalogue/?q={urllib.parse.quote(KEYWORDS[n % len(KEYWORDS)])}&page={1 + n % 3}",
        "item page": lambda n: f"/catalogue/{codes[n * 7919 % len(codes)]}/",
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=800)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    django_setup("bench.settings")
    from django.conf import settings
    from django.core.management import call_command

    from bench.generate import generate
    from bench.load import run
    from powers.models import PowerItem

    print(
        f"database: {settings.DATABASES['default']['ENGINE']}  clients: {args.clients}  "
        f"gunicorn workers: {args.workers}  requests per measure: {args.requests}"
    )
    call_command("migrate", verbosity=0)
    for size in args.sizes:
        generate(size)
        codes = list(PowerItem.objects.values_list("code", flat=True))
        port = free_port()
        server = serve(port, args.workers)
        try:
            measures = paths(codes)
            for path in measures.values():  # warm each worker's caches and connections
                run(port, path, clients=args.clients, requests=args.clients * 4)
            results = {
                label: run(port, path, clients=args.clients, requests=args.requests) for label, path in measures.items()
            }
        finally:
            server.terminate()
            server.wait()
        print(f"\n{size} published items")
        for label, result in results.items():
            print("  " + result.row(label))
        ratio = results["search"].throughput / results["bare view"].throughput
        print(f"  search throughput / bare view throughput: {ratio:.0%}")


if __name__ == "__main__":
    main()
