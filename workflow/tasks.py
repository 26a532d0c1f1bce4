from celery import shared_task

from .services.files import orphan_files_purge
from .services.notifications import notification_send
from .services.trail import trail_checkpoint_make


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=8)
def send_notification(notification_id: int) -> None:
    """Idempotent: a channel already sent for this notification is not sent again."""
    notification_send(notification_id=notification_id)


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def trail_checkpoint() -> None:
    """Idempotent: a trail that has not grown since the last checkpoint gets no new one."""
    trail_checkpoint_make()


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def purge_orphan_files() -> int:
    return orphan_files_purge()
