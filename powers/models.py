from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.models import Department
from portal.roles import Role

from .constants import OPEN_STATUSES, Category, CleanupStatus, Level, Status
from .flows import PowerItemFlow


class PowerItemQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)


class PowerItem(PowerItemFlow):
    """One version of a power item (权力事项). The code names the item across its versions."""

    code = models.CharField(_("code"), max_length=80, blank=True, help_text=_("Leave empty to generate one."))
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=2, choices=Category.choices)
    department = models.ForeignKey(
        Department, verbose_name=_("implementing department"), on_delete=models.PROTECT, related_name="power_items"
    )
    legal_basis = models.TextField(_("legal basis"), help_text=_("The laws and articles that set the power."))
    conditions = models.TextField(_("conditions"), blank=True)
    legal_days = models.PositiveSmallIntegerField(_("legal time limit (working days)"))
    promised_days = models.PositiveSmallIntegerField(_("promised time limit (working days)"))
    extension_days = models.PositiveSmallIntegerField(_("extension allowed (working days)"), default=0)
    is_immediate = models.BooleanField(
        _("immediate item"), default=False, help_text=_("Accepted and concluded on the spot (即办件).")
    )
    # The fine the law sets for the violation (处X元以上Y元以下罚款): no decision may leave it, and every
    # row of the discretion standard lies within it. Empty where the law sets no bound in yuan.
    legal_fine_min = models.DecimalField(
        _("statutory lowest fine (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    legal_fine_max = models.DecimalField(
        _("statutory highest fine (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Without it, no fine outside the discretion standard can be decided."),
    )
    fee_standard = models.TextField(_("fee standard"), blank=True, help_text=_("Empty when no fee is charged."))
    fee_basis = models.TextField(_("fee basis"), blank=True)
    rights = models.TextField(_("counterpart's rights"), blank=True)
    complaint_channel = models.TextField(_("complaint channel"), blank=True)
    cleanup_status = models.CharField(
        _("cleanup status"), max_length=10, choices=CleanupStatus.choices, default=CleanupStatus.RETAINED
    )
    merged_into = models.CharField(
        _("merged into (code)"), max_length=80, blank=True, help_text=_("For merged items: the code they became.")
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = PowerItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("power item")
        verbose_name_plural = _("power items")
        ordering = ["code", "-version"]
        permissions = [("publish_poweritem", _("Can review and publish power items"))]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="poweritem_code_version_unique"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(status=Status.PUBLISHED), name="poweritem_one_published_per_code"
            ),
            models.UniqueConstraint(
                fields=["code"], condition=Q(status__in=OPEN_STATUSES), name="poweritem_one_open_version_per_code"
            ),
            models.CheckConstraint(
                condition=Q(promised_days__lte=F("legal_days")), name="poweritem_promised_within_legal"
            ),
            models.CheckConstraint(
                condition=Q(legal_fine_min__isnull=True)
                | Q(legal_fine_max__isnull=True)
                | Q(legal_fine_min__lte=F("legal_fine_max")),
                name="poweritem_legal_fine_ordered",
            ),
        ]
        indexes = [models.Index(fields=["department", "category", "status"])]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    def clean(self):
        errors = {}
        if self.promised_days is not None and self.legal_days is not None and self.promised_days > self.legal_days:
            errors["promised_days"] = _("The promised time limit cannot be longer than the legal one.")
        if self.cleanup_status == CleanupStatus.MERGED and not self.merged_into:
            errors["merged_into"] = _("A merged item must name the code of the item it was merged into.")
        low, high = self.legal_fine_min, self.legal_fine_max
        if low is not None and high is not None and low > high:
            errors["legal_fine_max"] = _("The statutory highest fine cannot be below the lowest.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_editable(self) -> bool:
        return self.status == Status.DRAFT

    @property
    def is_penalty(self) -> bool:
        return self.category == Category.PENALTY

    def fine_within_law(self, amount: Decimal) -> bool:
        """Whether the law's range allows ``amount``; a fine of 0 (不予处罚, Administrative Penalty
        Law art. 33) is below any minimum and allowed, the standard applied still judges it."""
        if self.legal_fine_max is not None and amount > self.legal_fine_max:
            return False
        return amount == 0 or self.legal_fine_min is None or amount >= self.legal_fine_min


class Step(models.Model):
    """One box of the item's flowchart (办理环节)."""

    item = models.ForeignKey(PowerItem, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("handling role"), max_length=20, choices=Role.choices)
    days_limit = models.PositiveSmallIntegerField(_("time limit (working days)"), default=0)
    risk_points = models.TextField(_("corruption-risk points"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["item", "position"]
        constraints = [models.UniqueConstraint(fields=["item", "position"], name="step_position_unique")]

    def __str__(self):
        return f"{self.position}. {self.name}"


class Material(models.Model):
    """A document the applicant hands in (申请材料)."""

    item = models.ForeignKey(PowerItem, on_delete=models.CASCADE, related_name="materials")
    position = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=200)
    required = models.BooleanField(_("required"), default=True)
    copies = models.PositiveSmallIntegerField(_("copies"), default=1)
    form_template = models.FileField(_("form template"), upload_to="powers/forms/", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["item", "position"]
        constraints = [models.UniqueConstraint(fields=["item", "position"], name="material_position_unique")]

    def __str__(self):
        return self.name


class DiscretionStandard(models.Model):
    """A row of a penalty item's discretion standard (自由裁量基准)."""

    item = models.ForeignKey(PowerItem, on_delete=models.CASCADE, related_name="standards")
    level = models.CharField(_("circumstance level"), max_length=10, choices=Level.choices)
    circumstances = models.TextField(_("circumstances"))
    amount_min = models.DecimalField(_("lowest amount (yuan)"), max_digits=14, decimal_places=2)
    amount_max = models.DecimalField(_("highest amount (yuan)"), max_digits=14, decimal_places=2)
    other_sanctions = models.TextField(_("other sanctions"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("discretion standard")
        verbose_name_plural = _("discretion standards")
        ordering = ["item", "amount_min"]
        constraints = [
            models.UniqueConstraint(fields=["item", "level"], name="standard_level_unique"),
            models.CheckConstraint(condition=Q(amount_min__lte=F("amount_max")), name="standard_range_ordered"),
        ]

    def __str__(self):
        return f"{self.get_level_display()} {self.amount_min}–{self.amount_max}"

    def clean(self):
        low, high = self.amount_min, self.amount_max
        if low is not None and high is not None and low > high:
            raise ValidationError({"amount_max": _("The highest amount cannot be below the lowest.")})
        # The item may be unsaved (the catalogue import checks a row against the file's range).
        item = self.item if self.item_id or "item" in self._state.fields_cache else None
        if item is None:
            return
        errors = {}
        if high is not None and item.legal_fine_max is not None and high > item.legal_fine_max:
            message = _("The highest amount is above the statutory highest fine (%(max)s yuan).")
            errors["amount_max"] = ValidationError(message % {"max": item.legal_fine_max}, code="outside_law")
        if low is not None and item.legal_fine_min is not None and 0 < low < item.legal_fine_min:
            message = _("The lowest amount is below the statutory lowest fine (%(min)s yuan).")
            errors["amount_min"] = ValidationError(message % {"min": item.legal_fine_min}, code="outside_law")
        if errors:
            raise ValidationError(errors)


class ImportJob(models.Model):
    """A catalogue file imported in the background from the admin, with its progress and outcome."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    file = models.FileField(_("file"), upload_to="powers/imports/")
    dry_run = models.BooleanField(_("dry run"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    created_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("catalogue import")
        verbose_name_plural = _("catalogue imports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file.name} ({self.get_state_display()})"

    @property
    def percent(self) -> int:
        return round(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
