"""Cases for the benchmarks: a catalogue, citizens, a window clerk, and open cases in bulk.

The cases are written with ``bulk_create`` (about 10 s per 100,000 on the 2-core machine), not
through the services: spread over the open states and deadlines the way a busy department's
inbox is (about a fifth overdue), each numbered as ``case_file`` numbers them, with the day
counters set so that a case filed afterwards gets the next number. ``trail=True`` also writes
one valid ``submit`` entry per case, chained, so that ``trail_verify`` checks the whole table.
"""

import random
import time
from collections import Counter
from datetime import datetime, timedelta

# The department whose inbox is measured, and whose items the filings are for.
DEPARTMENT = "BENCH-01"
CLERK = "bench-clerk"
CLERK_PASSWORD = "bench-clerk-password"
CITIZEN_PREFIX = "bench-citizen-"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰海燕文博宇浩然子涵欣怡梓萱"

# The open states of a busy inbox, with their shares (per cent): most cases are under review.
OPEN_MIX = {
    "submitted": 15,
    "supplement": 5,
    "accepted": 10,
    "reviewing": 50,
    "returned": 5,
    "suspended": 5,
    "approved": 5,
    "denied": 5,
}
CLOSED_MIX = {"concluded": 80, "not_accepted": 10, "withdrawn": 10}

# The smallest valid PDF (the upload checks read content, not names), as the filing tests use.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def reset_cases() -> None:
    """Empty every table of cases (the trail's trigger refuses DELETE; TRUNCATE is the bench's own way)."""
    from django.db import connection

    from workflow.models import Case, NumberCounter

    tables = [Case._meta.db_table, NumberCounter._meta.db_table]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def prepare(items: int, citizens: int):
    """An empty case table, a fresh catalogue of ``items`` (60 departments), citizens, the clerk.

    Returns (department, its items that can be applied for, citizens, clerk).
    """
    from bench.generate import generate
    from portal.models import Department
    from powers.constants import NOT_APPLIED_FOR
    from powers.models import PowerItem
    from workflow.services.holidays import holidays_seed_from_package

    reset_cases()
    generate(items)
    holidays_seed_from_package()
    department = Department.objects.get(code=DEPARTMENT)
    applicable = list(
        PowerItem.objects.filter(department=department)
        .exclude(category__in=NOT_APPLIED_FOR)
        .order_by("code")
        .prefetch_related("steps", "materials")
    )
    return department, applicable, make_citizens(citizens), make_clerk(department)


def id_number(n: int) -> str:
    from portal.validators import id_number_check_char

    first17 = f"330102{1960 + n % 40}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return first17 + id_number_check_char(first17)


def make_citizens(count: int) -> list:
    from django.contrib.auth.models import Group

    from portal.models import User
    from portal.roles import Role

    existing = User.objects.filter(username__startswith=CITIZEN_PREFIX).count()
    if existing < count:
        rng = random.Random(existing)
        User.objects.bulk_create(
            [
                User(
                    username=f"{CITIZEN_PREFIX}{n:06d}",
                    name=rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice([1, 2]))),
                    mobile=f"139{n:08d}",
                    id_number=id_number(n),
                    password="!",  # unusable: citizens of the bench never log in
                )
                for n in range(existing, count)
            ],
            batch_size=5000,
        )
        group = Group.objects.get(name=Role.CITIZEN)
        new = User.objects.filter(username__startswith=CITIZEN_PREFIX, groups__isnull=True)
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=pk, group_id=group.pk) for pk in new.values_list("pk", flat=True)],
            batch_size=5000,
        )
    return list(User.objects.filter(username__startswith=CITIZEN_PREFIX).order_by("username")[:count])


def make_clerk(department):
    """A window clerk of ``department`` (its department group holds ``portal.handle_cases`` on it)."""
    from django.contrib.auth.models import Group

    from portal.models import User
    from portal.roles import Role
    from portal.services import staff_assign_department

    clerk, _created = User.objects.get_or_create(username=CLERK, defaults={"name": "基准窗口"})
    clerk.set_password(CLERK_PASSWORD)
    clerk.save()
    clerk.groups.set([Group.objects.get(name=Role.WINDOW_CLERK)])
    return staff_assign_department(user=clerk, department=department)


def _end_of_day(moment: datetime, days: float, zone) -> datetime:
    day = (moment + timedelta(days=days)).astimezone(zone).date()
    return datetime.combine(day, datetime.max.time(), tzinfo=zone)


def bulk_cases(department, count: int, *, others: int = 0, trail: bool = False, seed: int = 1) -> dict:
    """``count`` open cases of ``department`` and ``others`` cases (half open) of the other departments.

    Numbered per day as ``case_file`` numbers them; returns the department's count per state, and overdue.
    """
    from django.db import transaction
    from django.utils import timezone

    from portal.models import User
    from powers.constants import NOT_APPLIED_FOR
    from powers.models import PowerItem
    from workflow.models import Case, NumberCounter

    rng = random.Random(seed)
    zone = timezone.get_default_timezone()
    now = timezone.now()
    items = list(
        PowerItem.objects.published().exclude(category__in=NOT_APPLIED_FOR).prefetch_related("steps").order_by("code")
    )
    mine = [item for item in items if item.department_id == department.pk]
    theirs = [item for item in items if item.department_id != department.pk]
    applicants = list(User.objects.filter(username__startswith=CITIZEN_PREFIX).values_list("pk", "name", "mobile"))
    id_numbers = {pk: id_number(n) for n, (pk, _name, _mobile) in enumerate(applicants)}

    plan = []
    for n in range(count + others):
        item, is_open = (rng.choice(mine), True) if n < count else (rng.choice(theirs), rng.random() < 0.5)
        mix = OPEN_MIX if is_open else CLOSED_MIX
        state = rng.choices(list(mix), weights=list(mix.values()))[0]
        # Filed long enough ago for about a fifth of the open cases to be past their deadline.
        span = 1.4 if state in ("submitted", "supplement") else 0.6 + item.promised_days * 1.4
        age = rng.uniform(0, span * 1.25) if is_open else rng.uniform(0, 60)
        plan.append((now - timedelta(days=age), item, is_open, state))
    plan.sort(key=lambda entry: entry[0])
    per_day: Counter = Counter()
    states: Counter = Counter()
    has_time_limit = any(field.name == "time_limit_days" for field in Case._meta.fields)
    cases = []
    for submitted, item, _is_open, state in plan:
        steps = sorted(item.steps.all(), key=lambda step: step.position)
        day_key = f"SP-{submitted.astimezone(zone):%Y%m%d}"
        per_day[day_key] += 1
        pk, name, mobile = rng.choice(applicants)
        case = Case(
            number=f"{day_key}-{per_day[day_key]:06d}",
            query_code="".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", k=8)),
            item=item,
            department_id=item.department_id,
            applicant_id=pk,
            applicant_name=name,
            applicant_id_number=id_numbers[pk],
            applicant_mobile=mobile,
            submitted_at=submitted,
            state=state,
            revision={"submitted": 0, "supplement": 1}.get(state, 3),
        )
        if state in ("submitted", "supplement", "not_accepted", "withdrawn"):
            case.step = steps[0]
            case.step_started_at = submitted
            case.step_deadline_at = _end_of_day(submitted, 1.4, zone)
        else:
            case.accepted_at = min(now, submitted + timedelta(hours=rng.uniform(1, 30)))
            case.deadline_at = _end_of_day(case.accepted_at, item.promised_days * 1.4, zone)
            if has_time_limit:
                case.time_limit_days = item.promised_days
            position = rng.randrange(1, len(steps)) if state not in ("approved", "denied", "concluded") else -1
            case.step = steps[position]
            case.step_started_at = min(now, case.accepted_at + timedelta(days=rng.uniform(0, 5)))
            case.step_deadline_at = _end_of_day(case.step_started_at, case.step.days_limit * 1.4, zone)
            if state in ("approved", "denied", "concluded"):
                case.decided_at = case.step_started_at
                case.decision = "准予许可。" if state != "denied" else "不符合法定条件。"
        if state in ("concluded", "not_accepted", "withdrawn"):
            case.concluded_at = min(now, submitted + timedelta(days=rng.uniform(0.5, 10)))
            case.step = None
            case.step_started_at = case.step_deadline_at = None
        if item.department_id == department.pk:
            states[state] += 1
        cases.append(case)

    with transaction.atomic():
        Case.objects.bulk_create(cases, batch_size=5000)
        NumberCounter.objects.bulk_create(
            [NumberCounter(key=key, value=value) for key, value in per_day.items()],
            update_conflicts=True,
            unique_fields=["key"],
            update_fields=["value"],
        )
        if trail:
            bulk_trail(sorted(cases, key=lambda case: case.submitted_at))
    overdue = sum(
        1
        for case in cases
        if case.department_id == department.pk
        and case.state in ("submitted", "accepted", "reviewing", "approved", "denied")
        and (case.deadline_at or case.step_deadline_at or case.submitted_at) < now
    )
    states["overdue"] = overdue
    return dict(states)


def bulk_trail(cases: list) -> None:
    """One chained ``submit`` entry per case, as ``case_file`` would have written it."""
    from workflow.models import TrailEntry
    from workflow.services.trail import GENESIS, entry_hash

    entries, prev = [], GENESIS
    for seq, case in enumerate(cases, start=1):
        values = {
            "seq": seq,
            "case_id": case.pk,
            "actor_id": case.applicant_id,
            "actor_name": case.applicant_name,
            "role": "citizen",
            "action": "submit",
            "from_state": "",
            "to_state": "submitted",
            "step_name": "受理",
            "opinion": "Application submitted online.",
            "client_address": "203.0.113.7",
            "at": case.submitted_at,
            "prev_hash": prev,
        }
        prev = entry_hash(values)
        entries.append(TrailEntry(**values, hash=prev))
    TrailEntry.objects.bulk_create(entries, batch_size=5000)


def file_worker(index: int, count: int, item_ids: list, citizen_ids: list, barrier, results) -> None:
    """One process filing ``count`` cases through ``case_file``, started with the others by ``barrier``."""
    import traceback

    from bench.setup import django_setup

    django_setup("bench.settings")
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from portal.models import User
    from powers.models import PowerItem
    from workflow.services.cases import Upload, case_file

    items = list(PowerItem.objects.filter(pk__in=item_ids).prefetch_related("materials").order_by("pk"))
    required = {item.pk: [material for material in item.materials.all() if material.required] for item in items}
    citizens = list(User.objects.filter(pk__in=citizen_ids).order_by("pk"))
    connection.close()  # each filing opens it as a request would after CONN_MAX_AGE; warm it below
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    barrier.wait()
    filed, failures, started = [], [], time.perf_counter()
    cpu, db_cpu = time.process_time(), backend_cpu(backend)
    for n in range(count):
        item = items[(index * 7 + n) % len(items)]
        citizen = citizens[(index * 104_729 + n) % len(citizens)]
        try:
            case = case_file(
                applicant=citizen,
                item=item,
                applicant_name=citizen.name,
                applicant_id_number=citizen.id_number,
                applicant_mobile=citizen.mobile,
                uploads=[
                    Upload(material, SimpleUploadedFile(f"{material.name}.pdf", PDF, "application/pdf"))
                    for material in required[item.pk]
                ],
                client_address=f"198.51.100.{1 + n % 250}",
            )
            filed.append(case.number)
        except Exception:  # noqa: BLE001 - counted and shown: a lost filing is the finding
            failures.append(traceback.format_exc(limit=3))
    seconds = time.perf_counter() - started
    results.put((index, filed, failures, seconds, time.process_time() - cpu, backend_cpu(backend) - db_cpu))


def backend_cpu(pid: int) -> float:
    """User + system CPU seconds of one PostgreSQL backend so far (/proc, same machine)."""
    import os
    from pathlib import Path

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
