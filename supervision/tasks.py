from celery import shared_task

from .services.scores import department_scores_compute, previous_month
from .services.sweep import sweep


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def run_sweep() -> None:
    """Beat sends it every minute; the sweep holds a lock, so an overlapping one waits its turn."""
    sweep()


@shared_task(ignore_result=True, soft_time_limit=300, time_limit=360)
def compute_monthly_scores() -> None:
    """Beat sends it on the first of each month: last month's scores (recomputing replaces them)."""
    department_scores_compute(month=previous_month())
