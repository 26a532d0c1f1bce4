from django.db import models
from django.utils.translation import gettext_lazy as _


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Statutory holiday (day off)")
    WORKDAY = "workday", _("Adjusted working day")


class HolidaySource(models.TextChoices):
    CHINESE_CALENDAR = "chinese_calendar", _("chinese-calendar package")
    MANUAL = "manual", _("Entered by hand")


class Holiday(models.Model):
    """One day that departs from the Monday-to-Friday week: a day off, or a working weekend day (调休).

    A year with at least one row is taken as entered in full; a year with none falls back to the
    fixed-date statutory days (see ``workflow.calendar``).
    """

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=HolidayKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True, help_text=_("For example 国庆节 or 春节."))
    source = models.CharField(
        _("source"),
        max_length=20,
        choices=HolidaySource.choices,
        default=HolidaySource.MANUAL,
        help_text=_("Rows entered by hand are never overwritten by seeding from the package."),
    )

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name or self.get_kind_display()}"
