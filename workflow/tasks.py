from celery import shared_task

from .services.notifications import notification_send


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=8)
def send_notification(notification_id: int) -> None:
    """Idempotent: a channel already sent for this notification is not sent again."""
    notification_send(notification_id=notification_id)
