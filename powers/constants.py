from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """The ten kinds of administrative power, plus public services listed beside them."""

    LICENSING = "XK", _("Administrative licensing")
    PENALTY = "CF", _("Administrative penalty")
    COERCION = "QZ", _("Administrative coercion")
    LEVY = "ZS", _("Administrative levy")
    BENEFIT = "JF", _("Administrative benefit")
    INSPECTION = "JC", _("Administrative inspection")
    CONFIRMATION = "QR", _("Administrative confirmation")
    REWARD = "JL", _("Administrative reward")
    ADJUDICATION = "CJ", _("Administrative adjudication")
    OTHER = "QT", _("Other administrative power")
    PUBLIC_SERVICE = "GG", _("Public service")


class CleanupStatus(models.TextChoices):
    """清权确权: what the cleanup of the catalogue decided about an item."""

    RETAINED = "retained", _("Retained")
    CANCELLED = "cancelled", _("Cancelled")
    MERGED = "merged", _("Merged into another item")
    ADDED = "added", _("Added")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")
    ABOLISHED = "abolished", _("Abolished")


class Level(models.TextChoices):
    """Circumstance levels of a discretion standard, from the lightest."""

    MINOR = "minor", _("Minor")
    GENERAL = "general", _("General")
    SERIOUS = "serious", _("Serious")
    SEVERE = "severe", _("Severe")


# Statuses in which one version of an item is being prepared: at most one per code.
OPEN_STATUSES = (Status.DRAFT, Status.IN_REVIEW)

# Items the authority starts on its own motion (依职权): nobody applies for a penalty or an inspection.
NOT_APPLIED_FOR = frozenset({Category.PENALTY, Category.COERCION, Category.INSPECTION, Category.LEVY})
