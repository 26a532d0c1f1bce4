from datetime import time
from urllib.parse import urlsplit, urlunsplit

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import Department

MASK = "***"


def mask_credentials(url: str) -> str:
    """The URL with its password replaced, fit to show: camera passwords never leave the server."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{parts.username}:{MASK}@{host}"))


class Camera(models.Model):
    """A camera in a service hall, usually looking at one window (窗口)."""

    name = models.CharField(_("name"), max_length=100)
    hall = models.CharField(_("service hall"), max_length=100)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="cameras",
        null=True,
        blank=True,
    )
    window_number = models.CharField(_("window number"), max_length=20, blank=True)
    source_url = models.CharField(
        _("source"),
        max_length=500,
        help_text=_(
            "rtsp://, http:// (MJPEG stream or JPEG snapshot) or file:// URL; a password in it is never shown."
        ),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    staffed = models.BooleanField(
        _("window should be staffed"), default=True, help_text=_("Raise an alert when nobody is seen in office hours.")
    )
    office_opens = models.TimeField(_("office opens"), default=time(9, 0))
    office_closes = models.TimeField(_("office closes"), default=time(17, 0))

    online = models.BooleanField(_("online"), default=False, editable=False)
    state_since = models.DateTimeField(_("in this state since"), null=True, editable=False)
    last_frame_at = models.DateTimeField(_("last good frame"), null=True, editable=False)
    last_error = models.CharField(_("last error"), max_length=200, blank=True, editable=False)
    last_person_at = models.DateTimeField(_("last person seen"), null=True, editable=False)

    class Meta:
        verbose_name = _("camera")
        verbose_name_plural = _("cameras")
        ordering = ["hall", "window_number", "name"]

    def __str__(self):
        return f"{self.hall} · {self.name}"

    @property
    def masked_source(self) -> str:
        return mask_credentials(self.source_url)

    def in_office_hours(self, moment, calendar) -> bool:
        """Working days (of the ``WorkingCalendar``) between opening and closing, in local time."""
        return calendar.is_workday(moment.date()) and self.office_opens <= moment.time() < self.office_closes


class Snapshot(models.Model):
    """One downscaled frame of a camera, kept for the retention period."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="snapshots")
    taken_at = models.DateTimeField(_("taken at"), db_index=True)
    image = models.FileField(_("image"), upload_to="video/%Y/%m/%d/")
    width = models.PositiveSmallIntegerField(default=0)
    height = models.PositiveSmallIntegerField(default=0)
    people = models.PositiveSmallIntegerField(_("people seen"), null=True, blank=True)

    class Meta:
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        ordering = ["-taken_at"]
        indexes = [models.Index(fields=["camera", "-taken_at"])]

    def __str__(self):
        return f"{self.camera} @ {self.taken_at:%Y-%m-%d %H:%M:%S}"
