"""Sending notifications by SMS and e-mail, behind one small interface chosen by MESSAGE_BACKEND."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from .constants import Channel
from .models import Notification, OutboundMessage

logger = logging.getLogger(__name__)


class Backend:
    """Hands one message to a gateway; subclasses implement ``deliver``. Records every message sent."""

    def send(self, *, notification: Notification, channel: str, to: str, subject: str, body: str) -> bool:
        """Send once per notification and channel; False when it was sent before (a redelivered task)."""
        try:
            with transaction.atomic():
                OutboundMessage.objects.create(
                    notification=notification,
                    channel=channel,
                    to=to,
                    subject=subject,
                    body=body,
                    backend=f"{type(self).__module__}.{type(self).__qualname__}",
                )
                self.deliver(channel=channel, to=to, subject=subject, body=body)
        except IntegrityError:
            return False
        return True

    def deliver(self, *, channel: str, to: str, subject: str, body: str) -> None:
        raise NotImplementedError


class LogBackend(Backend):
    """Development and demo: the message goes to the log (and the table), nowhere else."""

    def deliver(self, *, channel, to, subject, body):
        logger.info("message_sent channel=%s to=%s subject=%s body=%s", channel, to, subject, body)


class EmailBackend(LogBackend):
    """E-mail through Django's mail settings; SMS still only logged until a gateway is configured."""

    def deliver(self, *, channel, to, subject, body):
        if channel == Channel.EMAIL:
            send_mail(subject, body, None, [to])
        else:
            super().deliver(channel=channel, to=to, subject=subject, body=body)


def backend() -> Backend:
    return import_string(settings.MESSAGE_BACKEND)()
