from django.conf import settings
from django.utils import timezone, translation

from ..messaging import backend
from ..models import Case, Notification


def notify_applicant(case: Case, kind: str, text: str) -> Notification:
    """Tell the applicant in the site now, and by SMS and e-mail once the change is committed.

    ``text`` is composed by the caller in the portal's language: the applicant reads it, not
    the clerk whose browser may be set to English.
    """
    notification = Notification.objects.create(recipient_id=case.applicant_id, case=case, kind=kind, text=text)
    from ..tasks import send_notification

    send_notification.delay_on_commit(notification.pk)
    return notification


def notification_send(*, notification_id: int) -> int:
    """Send one notification by SMS and by e-mail (when the applicant gave one); returns messages sent."""
    notification = Notification.objects.select_related("case").get(pk=notification_id)
    case = notification.case
    with translation.override(settings.LANGUAGE_CODE):
        subject = f"{settings.SITE_NAME}：{notification.get_kind_display()}"
    sender, sent = backend(), 0
    for channel, to in (("sms", case.applicant_mobile), ("email", case.applicant_email)):
        if to:
            sent += sender.send(
                notification=notification, channel=channel, to=to, subject=subject, body=notification.text
            )
    return sent


def notifications_mark_read(*, user, case: Case) -> int:
    return Notification.objects.filter(recipient=user, case=case, read_at__isnull=True).update(read_at=timezone.now())
