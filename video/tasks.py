from celery import shared_task

from . import services


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def grab_snapshots() -> None:
    """One snapshot cycle; beat sends it every minute, and a cycle is bounded by the grab timeouts."""
    result = services.snapshot_cycle()
    if result["to_count"]:
        count_people.delay(result["to_count"])


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def count_people(snapshot_ids: list[int]) -> None:
    """Counting is idempotent: a snapshot already counted is skipped."""
    services.snapshots_count_people(snapshot_ids=snapshot_ids)


@shared_task(ignore_result=True)
def purge_snapshots() -> None:
    services.snapshots_purge()
