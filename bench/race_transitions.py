"""Racing transitions over HTTP on gunicorn's gthread workers (issue 16): never a 5xx, one winner per case.

For each of ``--cases`` cases filed through ``case_file``, three requests are sent at once: the
window clerk accepts, the applicant withdraws, a second clerk accepts — each from the page the
case was filed on (same revision), as three people who opened it at the same moment. They go
through ``--clients`` concurrent clients to gunicorn with ``--workers`` gthread workers of
``--threads`` threads each, so the transitions of several cases run in threads of one process.
Printed: the answers by status (5xx must be 0), the cases by number of winners in their trail
(must all be 1), and cases whose state disagrees with their trail (must be 0).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_race \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/7 python bench/race_transitions.py --cases 200
"""

import argparse
import http.client
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import ROOT, django_setup  # noqa: E402

SECOND_CLERK = "bench-clerk-2"


def serve(port: int, workers: int, threads: int) -> subprocess.Popen:
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "bench.settings"}
    command = [
        *(sys.executable, "-m", "gunicorn", "bench.wsgi:application"),
        *("--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
        *("--worker-class", "gthread", "--threads", str(threads), "--log-level", "warning"),
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


def second_clerk(department):
    from django.contrib.auth.models import Group

    from portal.models import User
    from portal.roles import Role
    from portal.services import staff_assign_department

    clerk, _created = User.objects.get_or_create(username=SECOND_CLERK, defaults={"name": "基准窗口二"})
    clerk.groups.set([Group.objects.get(name=Role.WINDOW_CLERK)])
    return staff_assign_department(user=clerk, department=department)


def file_cases(count: int, item, citizens: list) -> list:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bench.cases_data import PDF
    from workflow.services.cases import Upload, case_file

    materials = [material for material in item.materials.all() if material.required]
    return [
        case_file(
            applicant=citizen,
            item=item,
            applicant_name=citizen.name,
            applicant_id_number=citizen.id_number,
            applicant_mobile=citizen.mobile,
            uploads=[
                Upload(material, SimpleUploadedFile("材料.pdf", PDF, "application/pdf")) for material in materials
            ],
            client_address="127.0.0.1",
        )
        for citizen in citizens[:count]
    ]


def post(port: int, path: str, fields: dict, cookie: str) -> int:
    """POST a form as a browser would (session and CSRF cookies); the status, redirects not followed."""
    from django.conf import settings

    token = secrets.token_hex(16)  # 32 characters: Django takes an unmasked secret as the token
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            "POST",
            path,
            body=urllib.parse.urlencode(fields),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"{cookie}; {settings.CSRF_COOKIE_NAME}={token}",
                "X-CSRFToken": token,
            },
        )
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return 0  # no answer at all: counted apart
    finally:
        connection.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    media = tempfile.mkdtemp(prefix="bench-race-media-")
    os.environ["MEDIA_ROOT"] = media  # before Django is set up, so that gunicorn inherits it
    django_setup("bench.settings")
    from django.conf import settings
    from django.core.management import call_command

    from bench.b2_catalogue import free_port
    from bench.cases_data import make_clerk, prepare
    from bench.load import session_cookie
    from portal.celery import app as celery_app
    from workflow.models import Case

    call_command("migrate", verbosity=0)
    print(
        f"database: {settings.DATABASES['default']['ENGINE']} {settings.DATABASES['default']['NAME']}  "
        f"gunicorn: {args.workers} gthread workers x {args.threads} threads  clients: {args.clients}  "
        f"cases: {args.cases}  cores: {os.cpu_count()}"
    )
    try:
        department, items, citizens, clerk = prepare(600, args.cases)
        item = next(item for item in items if item.steps.exists())
        clerks = [make_clerk(department), second_clerk(department)]
        cases = file_cases(args.cases, item, citizens)
        cookies = {user.pk: session_cookie(user) for user in [*clerks, *citizens[: args.cases]]}
        requests = []
        for case in cases:
            accept = f"/workbench/cases/{case.number}/accept/"
            opinion = {"opinion": "材料齐全，予以受理", "revision": case.revision}
            requests += [
                (accept, opinion, cookies[clerks[0].pk]),
                (
                    f"/my/{case.number}/withdraw/",
                    {"revision": case.revision, "confirm": "on", "reason": "不再需要"},
                    cookies[case.applicant_id],
                ),
                (accept, opinion, cookies[clerks[1].pk]),
            ]
        port = free_port()
        server = serve(port, args.workers, args.threads)
        started = time.perf_counter()
        try:
            with ThreadPoolExecutor(max_workers=args.clients) as pool:
                statuses = list(pool.map(lambda request: post(port, *request), requests))
        finally:
            server.terminate()
            server.wait()
        seconds = time.perf_counter() - started

        by_status = Counter(statuses)
        winners, disagree = Counter(), 0
        for case in Case.objects.filter(pk__in=[case.pk for case in cases]):
            decided = list(case.trail.exclude(action="submit").values_list("to_state", flat=True))
            winners[len(decided)] += 1
            disagree += bool(decided) and decided[-1] != case.state
        print(f"\n{len(requests)} requests in {seconds:.1f} s ({len(requests) / seconds:.0f} req/s)")
        print("answers: " + "  ".join(f"{status or 'none'}: {n}" for status, n in sorted(by_status.items())))
        print(f"5xx: {sum(n for status, n in by_status.items() if status >= 500)}")
        print("cases by winners: " + "  ".join(f"{n} winner(s): {count}" for n, count in sorted(winners.items())))
        print(f"cases whose state disagrees with their trail: {disagree}")
    finally:
        celery_app.control.purge()  # the notifications the filings and transitions enqueued
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
