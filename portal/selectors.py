from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user
from kombu import Connection

from .models import HANDLE_CASES, Department, Heartbeat

BROKER_TIMEOUT_SECONDS = 2


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means the check failed
        return {"ok": False, "error": str(error)}
    return {"ok": True, "vendor": connection.vendor}


def _check_broker() -> dict:
    broker = Connection(
        settings.CELERY_BROKER_URL,
        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        connect_timeout=BROKER_TIMEOUT_SECONDS,
    )
    try:
        with broker:
            broker.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as error:  # noqa: BLE001
        return {"ok": False, "transport": broker.transport_cls, "error": str(error)}
    return {"ok": True, "transport": broker.transport_cls}


def _check_beat() -> dict:
    try:
        beat_at = Heartbeat.objects.filter(name="beat").values_list("beat_at", flat=True).first()
    except Exception as error:  # noqa: BLE001
        return {"ok": False, "error": str(error)}
    if beat_at is None:
        return {"ok": False, "last_beat": None, "error": "no heartbeat recorded yet"}
    age = timezone.now() - beat_at
    return {
        "ok": age <= settings.HEARTBEAT_MAX_AGE,
        "last_beat": beat_at.isoformat(),
        "age_seconds": round(max(age, timedelta(0)).total_seconds()),
    }


# The checks of /healthz: name → a function answering a dict with at least "ok". Apps add their
# own (the exchange's backlog) with ``health_check_register`` from their AppConfig.ready().
HEALTH_CHECKS = {"database": _check_database, "broker": _check_broker, "beat": _check_beat}


def health_check_register(name: str, check) -> None:
    HEALTH_CHECKS[name] = check


def health_report() -> dict:
    """The state of each part the portal needs, for /healthz and monitoring."""
    checks = {name: check() for name, check in HEALTH_CHECKS.items()}
    return {
        "status": "ok" if all(check["ok"] for check in checks.values()) else "fail",
        "zone": settings.PORTAL_ZONE,
        "checks": checks,
    }


def handled_department_ids(user) -> frozenset[int]:
    """The departments whose cases this member of staff handles (``portal.handle_cases`` on them).

    Kept on the user object for the rest of the request: a page asks it once per button.
    """
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if not hasattr(user, "_handled_department_ids"):
        departments = get_objects_for_user(user, HANDLE_CASES, klass=Department, accept_global_perms=False)
        user._handled_department_ids = frozenset(departments.values_list("pk", flat=True))
    return user._handled_department_ids


def case_department_ids(user, roles: Iterable[str]) -> frozenset[int]:
    """The departments whose cases of one kind ``user`` handles: their departments if they hold one
    of ``roles``, the posts that handle that kind (``portal.roles.LICENSING_ROLES``,
    ``PENALTY_ROLES``); none otherwise."""
    if not user.is_authenticated or not user.has_role(*roles):
        return frozenset()
    return handled_department_ids(user)


def handles_department(user, department_id: int) -> bool:
    return department_id in handled_department_ids(user)
