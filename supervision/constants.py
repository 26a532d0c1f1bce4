from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    YELLOW = "yellow", _("Yellow card (warning)")
    RED = "red", _("Red card (supervision)")


class AlertState(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ORDERED = "ordered", _("Supervision order issued")
    ANSWERED = "answered", _("Answered by the department")
    ESCALATED = "escalated", _("Escalated")
    CLOSED = "closed", _("Closed")


# Alerts an inspector still has to act on.
OPEN_ALERT_STATES = (
    AlertState.OPEN,
    AlertState.ACKNOWLEDGED,
    AlertState.ORDERED,
    AlertState.ANSWERED,
    AlertState.ESCALATED,
)


class Subject(models.TextChoices):
    """What an alert is about: a rule applies to one kind of subject."""

    CASE = "case", _("Case")
    PENALTY_CASE = "penalty_case", _("Penalty case")
    COMPLAINT = "complaint", _("Complaint")
    RATING = "rating", _("Rating")
    CAMERA = "camera", _("Camera")
    EXCHANGE = "exchange", _("Exchange")
    CALENDAR = "calendar", _("Holiday calendar")


class ComplaintSource(models.TextChoices):
    WEB = "web", _("Online")
    PHONE = "phone", _("By phone")
    ON_SITE = "on_site", _("On site")


class ComplaintAbout(models.TextChoices):
    CASE = "case", _("A case")
    DEPARTMENT = "department", _("A department")
    WINDOW = "window", _("A service window")


class ComplaintState(models.TextChoices):
    FILED = "filed", _("Filed")
    ANSWERED = "answered", _("Answered")
    JUDGED = "judged", _("Judged")


class Grade(models.IntegerChoices):
    """The five national grades of 好差评, best first."""

    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    BASICALLY_SATISFIED = 3, _("Basically satisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


# 差评: the grades that open a return visit and a rectification (rule E1).
BAD_GRADES = (Grade.DISSATISFIED, Grade.VERY_DISSATISFIED)

# The heartbeat (portal.Heartbeat) each sweep records: the dashboard shows when it last ran.
SWEEP_HEARTBEAT = "sweep"
