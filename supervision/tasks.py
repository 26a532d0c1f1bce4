from celery import shared_task

from .services.sweep import sweep


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def run_sweep() -> None:
    """Beat sends it every minute; the sweep holds a lock, so an overlapping one waits its turn."""
    sweep()
