from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Sent by beat and run by a worker: a fresh row proves both are alive (see /healthz)."""
    services.heartbeat_record()
