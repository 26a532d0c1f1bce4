from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def exchange_run(report: bool = True) -> dict[str, int]:
    """After a packet is queued, and from beat: ship, receive, apply, note acknowledgements."""
    return services.exchange_once(report=report)
