from celery import shared_task

from . import services


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def grab_snapshots() -> None:
    """One snapshot cycle; beat sends it every minute, and a cycle is bounded by the grab timeouts."""
    services.snapshot_cycle()


@shared_task(ignore_result=True)
def purge_snapshots() -> None:
    services.snapshots_purge()
