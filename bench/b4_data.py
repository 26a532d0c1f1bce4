"""Cases for B4 in bulk (PostgreSQL only): INSERT … SELECT over generate_series, about 20 s per million.

As of the bench's moment ``T0`` (Wednesday 18 November 2026, 10:00 in Shanghai) the open cases are
spread the way a busy province's are: most running cases comfortably inside their time limit and
their step's, about one in a hundred in the last fifth of it or past it, a few waiting at intake too
long, a few returned, suspended, refused or asked twice for materials: about 50,000 open alerts per
million open cases (../shared/BENCH.md). Ages are drawn in calendar days (1.4 per working day) and
deadlines counted from them in working days over the Holiday table, as the services count them;
how many of each the rules find is what the sweep reports.

The closed history (concluded, not accepted, withdrawn over the past year) is there for the event
rules (refusals and fees of the last 30 days) and so that a query scanning every case shows it.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)

APPLICANT = "bench-b4-applicant"

# Share of the open cases per state (cumulative bounds are built from it).
OPEN_MIX = [
    ("submitted", 0.10),
    ("supplement", 0.05),
    ("accepted", 0.11),
    ("reviewing", 0.682),
    ("returned", 0.006),
    ("suspended", 0.005),
    ("approved", 0.045),
    ("denied", 0.002),
]
CLOSED_MIX = [("concluded", 0.91), ("not_accepted", 0.04), ("withdrawn", 0.05)]

CASE_TABLES = [
    "supervision_alertevent",
    "supervision_supervisionorder",
    "supervision_alert",
    "workflow_supplementrequest_materials",
    "workflow_supplementrequest",
    "workflow_pause",
    "workflow_trailentry",
    "workflow_notification",
    "workflow_outboundmessage",
    "workflow_attachment",
    "workflow_casedocument",
    "supervision_rating",
    "supervision_complaint",
    "workflow_case",
]


def _state_case(mix, column: str = "u_state") -> str:
    bound, whens = 0.0, []
    for state, share in mix[:-1]:
        bound += share
        whens.append(f"WHEN {column} < {bound:.4f} THEN '{state}'")
    return f"CASE {' '.join(whens)} ELSE '{mix[-1][0]}' END"


def eod(expression: str) -> str:
    """The end of the Shanghai day of a timestamptz expression (as WorkingCalendar.deadline gives)."""
    day = f"date_trunc('day', ({expression}) AT TIME ZONE 'Asia/Shanghai')"
    return f"(({day} + interval '1 day' - interval '1 microsecond') AT TIME ZONE 'Asia/Shanghai')"


def reset() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(CASE_TABLES)} RESTART IDENTITY CASCADE")


def catalogue(items: int) -> None:
    """``items`` published items (bench.generate) with a usual flowchart: 受理 1, 审查 half the promise, 2, 1, 1."""
    from django.db import connection

    from bench.generate import generate
    from workflow.services.holidays import holidays_seed_from_package

    generate(items)
    holidays_seed_from_package()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE powers_step s
            SET days_limit = CASE s.position WHEN 1 THEN 1 WHEN 2 THEN greatest(1, i.promised_days / 2)
                                             WHEN 3 THEN 2 ELSE 1 END
            FROM powers_poweritem i WHERE i.id = s.item_id
            """
        )
        # A third of the items charge a fee (工本费); the rest none (rule F1 watches those).
        cursor.execute("UPDATE powers_poweritem SET fee_standard = '工本费每证10元' WHERE id % 3 = 0")


def applicant():
    from portal.models import User

    user, _created = User.objects.get_or_create(
        username=APPLICANT, defaults={"name": "基准申请人", "mobile": "13900000000", "password": "!"}
    )
    return user


def _items_table(cursor) -> int:
    cursor.execute("DROP TABLE IF EXISTS bench_items")
    cursor.execute(
        """
        CREATE TEMP TABLE bench_items AS
        SELECT row_number() OVER (ORDER BY i.id) AS n, i.id, i.department_id, i.promised_days AS promised,
               i.fee_standard <> '' AS has_fee,
               max(s.id) FILTER (WHERE s.position = 1) AS step1, max(s.id) FILTER (WHERE s.position = 2) AS step2,
               max(s.id) FILTER (WHERE s.position = 3) AS step3, max(s.id) FILTER (WHERE s.position = 4) AS step4,
               max(s.id) FILTER (WHERE s.position = 5) AS step5,
               max(s.days_limit) FILTER (WHERE s.position = 2) AS limit2,
               max(s.days_limit) FILTER (WHERE s.position = 3) AS limit3,
               max(s.days_limit) FILTER (WHERE s.position = 4) AS limit4
        FROM powers_poweritem i JOIN powers_step s ON s.item_id = i.id
        GROUP BY i.id
        """
    )
    cursor.execute("CREATE UNIQUE INDEX ON bench_items (n)")
    cursor.execute("SELECT count(*) FROM bench_items")
    return cursor.fetchone()[0]


COLUMNS = """state, number, query_code, applicant_name, applicant_id_number, applicant_mobile, applicant_email,
    applicant_address, description, decision, refusal_reason, refusal_basis, revision, applicant_id, department_id,
    item_id, step_id, step_started_at, step_deadline_at, submitted_at, accepted_at, deadline_at, time_limit_days,
    decided_at, concluded_at, refused_at, fee_charged, return_count, supplement_count"""


def _working_days(cursor) -> None:
    """bench_days (day → working days up to it) and bench_work (n-th working day → day), as WorkingCalendar counts."""
    cursor.execute("DROP TABLE IF EXISTS bench_days, bench_work")
    cursor.execute(
        """
        CREATE TEMP TABLE bench_days AS
        WITH known AS (SELECT DISTINCT extract(year FROM date)::int AS year FROM workflow_holiday),
        days AS (
            SELECT d::date AS day,
                   CASE WHEN h.kind = 'workday' THEN 1 WHEN h.kind = 'holiday' THEN 0
                        WHEN extract(isodow FROM d) > 5 THEN 0
                        WHEN extract(year FROM d)::int NOT IN (SELECT year FROM known)
                             AND to_char(d, 'MM-DD') IN ('01-01', '05-01', '05-02', '10-01', '10-02', '10-03') THEN 0
                        ELSE 1 END AS work
            FROM generate_series('2024-01-01'::date, '2028-12-31'::date, interval '1 day') AS d
            LEFT JOIN workflow_holiday h ON h.date = d::date
        )
        SELECT day, work, sum(work) OVER (ORDER BY day)::int AS ordinal FROM days
        """
    )
    cursor.execute("CREATE UNIQUE INDEX ON bench_days (day)")
    cursor.execute("CREATE TEMP TABLE bench_work AS SELECT ordinal, day FROM bench_days WHERE work = 1")
    cursor.execute("CREATE UNIQUE INDEX ON bench_work (ordinal)")


def local_day(expression: str) -> str:
    return f"(({expression}) AT TIME ZONE 'Asia/Shanghai')::date"


def at_hour(day: str, hours: str) -> str:
    return f"(({day})::timestamp + ({hours}) * interval '1 hour') AT TIME ZONE 'Asia/Shanghai'"


def open_cases(cursor, count: int, items: int, user_id: int, first: int) -> None:
    """``count`` open cases numbered from ``first``, their deadlines counted in working days as the services do."""
    running = "state IN ('accepted', 'reviewing', 'returned', 'suspended', 'approved', 'denied')"
    cursor.execute(
        f"""
        WITH draws AS (
            SELECT g, random() AS u_state, random() AS u1, random() AS u2, random() AS u3, random() AS u4,
                   random() AS u5, random() AS u6, random() AS u7, random() AS u8,
                   1 + floor(random() * {items})::int AS item_n
            FROM generate_series(1, %(count)s) AS g
        ), typed AS (
            SELECT d.*, i.*, {_state_case(OPEN_MIX)} AS state,
                   i.promised + CASE WHEN d.u4 < 0.03 THEN 10 ELSE 0 END AS time_limit
            FROM draws d JOIN bench_items i ON i.n = d.item_n
        ), timed AS (
            SELECT t.*,
                -- The deadline: 0.4%% past it, 1%% in the last fifth of the time limit, the rest ahead.
                CASE WHEN u1 < 0.004 THEN -(1 + u2 * 15)
                     WHEN u1 < 0.014 THEN u2 * ceil(0.2 * time_limit) * 1.4
                     ELSE ceil(0.2 * time_limit) * 1.4 + 1 + u2 * time_limit * 1.1 END AS due_in,
                CASE WHEN state = 'accepted' THEN 2 WHEN u3 < 0.6 THEN 2 WHEN u3 < 0.85 THEN 3 ELSE 4 END AS position,
                -- Intake: 95%% filed within the day, 4%% a few working days ago, 1%% longer.
                CASE WHEN u1 < 0.95 THEN u2 * 0.8 WHEN u1 < 0.99 THEN 2 + u2 * 5 ELSE 8 + u2 * 20 END AS waiting
            FROM typed t
        ), stepped AS (
            SELECT m.*,
                CASE WHEN state IN ('submitted', 'supplement', 'approved', 'denied') THEN 1
                     WHEN position = 2 THEN limit2 WHEN position = 3 THEN limit3 ELSE limit4 END AS step_limit,
                CASE WHEN state IN ('submitted', 'supplement') THEN step1
                     WHEN state IN ('approved', 'denied') THEN step5
                     WHEN position = 2 THEN step2 WHEN position = 3 THEN step3 ELSE step4 END AS step
            FROM timed m
        ), placed AS (
            SELECT p.*,
                {local_day("%(t0)s::timestamptz + due_in * interval '1 day'")} AS due_from,
                %(t0)s::timestamptz - waiting * interval '1 day' AS filed,
                CASE WHEN state IN ('submitted', 'supplement') THEN %(t0)s::timestamptz - waiting * interval '1 day'
                     -- Decided: 98%% delivered within the day, the rest waiting 1 to 4 days.
                     WHEN state IN ('approved', 'denied')
                        THEN %(t0)s::timestamptz
                             - CASE WHEN u5 < 0.98 THEN u6 * 0.8 ELSE 1 + u6 * 3 END * interval '1 day'
                     -- In the current step: 0.4%% past twice its limit, 1%% past it, the rest within.
                     ELSE %(t0)s::timestamptz
                          - CASE WHEN u5 < 0.004 THEN (2 * step_limit * 1.4 + 1 + u6 * 5)
                                 WHEN u5 < 0.014 THEN (step_limit * 1.4 + 0.5 + u6 * step_limit * 1.2)
                                 ELSE u6 * step_limit END * interval '1 day' END AS step_at
            FROM stepped p
        ), counted AS (
            -- The deadline falls on a working day; acceptance was time_limit working days before it.
            SELECT c.*, due.day AS due_day, accepted.day AS accepted_day, step_due.day AS step_due_day
            FROM placed c
            JOIN bench_days before_due ON before_due.day = c.due_from - 1
            JOIN bench_work due ON due.ordinal = before_due.ordinal + 1
            JOIN bench_work accepted ON accepted.ordinal = due.ordinal - c.time_limit
            JOIN bench_days step_day ON step_day.day = {local_day("c.step_at")}
            JOIN bench_work step_due ON step_due.ordinal = step_day.ordinal + c.step_limit
        )
        INSERT INTO workflow_case ({COLUMNS})
        SELECT state, 'B4-' || lpad(({first} + g)::text, 9, '0'), 'BENCHB4X', '基准申请人', '330102198001010011',
            '13900000000', '', '', '', CASE WHEN state IN ('approved', 'denied') THEN '决定' ELSE '' END,
            CASE WHEN state = 'denied' THEN '不符合法定条件' ELSE '' END,
            CASE WHEN state = 'denied' THEN '《行政许可法》第三十八条' ELSE '' END,
            3, %(user)s, department_id, id, step, step_at, {eod(at_hour("step_due_day", "12"))},
            CASE WHEN state IN ('submitted', 'supplement') THEN filed
                 ELSE {at_hour("accepted_day", "9")} - interval '1 day' END,
            CASE WHEN {running} THEN {at_hour("accepted_day", "9 + u3 * 8")} END,
            CASE WHEN {running} THEN {eod(at_hour("due_day", "12"))} END,
            CASE WHEN {running} THEN time_limit ELSE 0 END,
            CASE WHEN state IN ('approved', 'denied') THEN step_at END,
            NULL,
            CASE WHEN state = 'denied' THEN step_at END,
            NULL,
            -- Returned once (0.3%%), twice (0.1%%); a returned case at least once.
            CASE WHEN state = 'returned' THEN CASE WHEN u4 < 0.2 THEN 2 ELSE 1 END
                 WHEN state IN ('submitted', 'supplement') THEN 0
                 WHEN u7 < 0.001 THEN 2 WHEN u7 < 0.004 THEN 1 ELSE 0 END,
            -- Asked for materials: everyone at 待补正 once (3%% twice); 3%% of the rest once, 0.1%% twice.
            CASE WHEN state = 'supplement' THEN CASE WHEN u4 < 0.03 THEN 2 ELSE 1 END
                 WHEN u8 < 0.001 THEN 2 WHEN u8 < 0.03 THEN 1 ELSE 0 END
        FROM counted
        """,
        {"count": count, "t0": T0, "user": user_id},
    )


def closed_cases(cursor, count: int, items: int, user_id: int, first: int) -> None:
    """``count`` closed cases of the past year: concluded (3% of them denied), not accepted, withdrawn."""
    cursor.execute(
        f"""
        WITH draws AS (
            SELECT g, random() AS u_state, random() AS u1, random() AS u2, random() AS u3,
                   1 + floor(random() * {items})::int AS item_n
            FROM generate_series(1, %(count)s) AS g
        ), typed AS (
            SELECT d.*, i.*, {_state_case(CLOSED_MIX)} AS state,
                   %(t0)s::timestamptz - u1 * interval '365 days' AS closed
            FROM draws d JOIN bench_items i ON i.n = d.item_n
        )
        INSERT INTO workflow_case ({COLUMNS})
        SELECT state, 'B4-' || lpad(({first} + g)::text, 9, '0'), 'BENCHB4X', '基准申请人', '330102198001010011',
            '13900000000', '', '', '', CASE WHEN state = 'concluded' THEN '决定' ELSE '' END,
            CASE WHEN state = 'not_accepted' OR (state = 'concluded' AND u2 < 0.03) THEN '不符合法定条件' ELSE '' END,
            CASE WHEN state = 'not_accepted' OR (state = 'concluded' AND u2 < 0.03) THEN '《行政许可法》第三十八条'
                 ELSE '' END,
            5, %(user)s, department_id, id, NULL, NULL, NULL,
            closed - (1 + u3 * promised * 1.2) * interval '1 day',
            CASE WHEN state = 'concluded' THEN closed - u3 * promised * interval '1.2 day' END,
            CASE WHEN state = 'concluded' THEN {eod("closed + promised * interval '0.3 day'")} END,
            CASE WHEN state = 'concluded' THEN promised ELSE 0 END,
            CASE WHEN state = 'concluded' THEN closed - interval '3 hours' END,
            closed,
            CASE WHEN state = 'not_accepted' OR (state = 'concluded' AND u2 < 0.03) THEN closed END,
            -- Fees where the catalogue has one; 0.2%% charged on an item that has none (rule F1).
            CASE WHEN state = 'concluded' AND has_fee THEN 10
                 WHEN state = 'concluded' AND u2 > 0.998 THEN 50 END,
            CASE WHEN u3 < 0.02 THEN 1 ELSE 0 END,
            CASE WHEN u3 > 0.95 THEN 1 ELSE 0 END
        FROM typed
        """,
        {"count": count, "t0": T0, "user": user_id},
    )


def pauses_and_requests(cursor, user_id: int) -> None:
    """The open suspension of every suspended case (20% of them overrunning), the open return of every
    returned case, past pauses of a few running cases, and the answered supplement requests."""
    cursor.execute(
        """
        INSERT INTO workflow_pause (kind, started_at, ended_at, days, reason, case_id, created_by_id)
        SELECT 'suspension', %(t0)s::timestamptz - (random() * d.days * 1.4 * 1.25 + 0.1) * interval '1 day',
               NULL::timestamptz, d.days, '组织专家评审', c.id, %(user)s
        FROM workflow_case c
        CROSS JOIN LATERAL (SELECT (ARRAY[5, 10, 20])[1 + c.id %% 3] AS days) d
        WHERE c.state = 'suspended'
        UNION ALL
        SELECT 'return', c.step_started_at + interval '1 hour', NULL::timestamptz, 0, '材料需补正', c.id, %(user)s
        FROM workflow_case c WHERE c.state = 'returned'
        UNION ALL
        SELECT 'suspension', c.accepted_at + interval '1 day', c.accepted_at + interval '3 days', 2, '现场核查',
               c.id, %(user)s
        FROM workflow_case c WHERE c.state IN ('accepted', 'reviewing') AND c.id %% 20 = 0
        """,
        {"t0": T0, "user": user_id},
    )
    cursor.execute(
        """
        INSERT INTO workflow_supplementrequest (note, requested_at, answered_at, case_id, requested_by_id)
        SELECT '补正材料', c.submitted_at + interval '2 hours',
               CASE WHEN n < c.supplement_count OR c.state <> 'supplement' THEN c.submitted_at + interval '1 day' END,
               c.id, %(user)s
        FROM workflow_case c CROSS JOIN LATERAL generate_series(1, c.supplement_count) AS n
        WHERE c.supplement_count > 0
        """,
        {"user": user_id},
    )


def alert_history(cursor, count: int) -> None:
    """``count`` closed alerts about closed cases: what years of sweeps and inspectors leave behind."""
    cursor.execute(
        """
        INSERT INTO supervision_alert (state, level, subject, subject_id, detail, raised_at, escalated_at, cleared_at,
                                       closed_at, case_id, department_id, rule_id)
        SELECT 'closed', CASE WHEN random() < 0.3 THEN 'red' ELSE 'yellow' END, 'case', c.id, '', c.submitted_at,
               NULL, c.concluded_at, c.concluded_at, c.id, c.department_id, r.id
        FROM (SELECT id, department_id, submitted_at, concluded_at, row_number() OVER () AS n
              FROM workflow_case WHERE state IN ('concluded', 'not_accepted', 'withdrawn') LIMIT %(count)s) c
        JOIN (SELECT id, row_number() OVER (ORDER BY code) - 1 AS k, count(*) OVER () AS rules
              FROM supervision_rule WHERE applies_to = 'case' AND enabled) r ON r.k = c.n %% r.rules
        """,
        {"count": count},
    )


def bulk(open_count: int, closed_count: int, *, items: int, alert_history_count: int, seed: float = 0.42) -> dict:
    """An empty case table filled with ``open_count`` open and ``closed_count`` closed cases; sizes back."""
    from django.db import connection, transaction

    user = applicant()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed])
        known = _items_table(cursor)
        _working_days(cursor)
        if known != items:
            raise SystemExit(f"the catalogue has {known} items, {items} expected")
        open_cases(cursor, open_count, items, user.pk, first=0)
        closed_cases(cursor, closed_count, items, user.pk, first=open_count)
        pauses_and_requests(cursor, user.pk)
        alert_history(cursor, alert_history_count)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT state, count(*) FROM workflow_case GROUP BY state ORDER BY count(*) DESC")
        states = dict(cursor.fetchall())
        sizes = {}
        for table in ("workflow_case", "workflow_pause", "workflow_supplementrequest", "supervision_alert"):
            cursor.execute(f"SELECT count(*), pg_size_pretty(pg_total_relation_size('{table}')) FROM {table}")
            sizes[table] = cursor.fetchone()
    return {"states": states, "sizes": sizes}
