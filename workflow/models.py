from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.models import Department
from portal.roles import LICENSING_ROLES, PENALTY_ROLES, Role
from portal.selectors import case_department_ids
from powers.constants import Level

from .constants import (
    OPEN_STATES,
    PENALTY_DECIDED_STATES,
    PENALTY_UNDECIDED_STATES,
    REPEATED_DOCUMENTS,
    RUNNING_STATES,
    STEP_STATES,
    VIEW_ALL_CASES,
    CaseState,
    Channel,
    DocumentKind,
    NotificationKind,
    PauseKind,
)
from .flows import CaseFlow
from .penalty_flows import PenaltyCaseFlow


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Statutory holiday (day off)")
    WORKDAY = "workday", _("Adjusted working day")


class HolidaySource(models.TextChoices):
    CHINESE_CALENDAR = "chinese_calendar", _("chinese-calendar package")
    MANUAL = "manual", _("Entered by hand")
    IMPORTED = "imported", _("Imported from a schedule file")


class Holiday(models.Model):
    """One day that departs from the Monday-to-Friday week: a day off, or a working weekend day (调休).

    Rows decide their own dates only. A year counts as entered in full once it is marked complete
    (``HolidayYear``); until then its other days fall back to the fixed-date statutory days (see
    ``workflow.calendar``), so entering the Spring Festival alone does not make New Year a working day.
    """

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=HolidayKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True, help_text=_("For example 国庆节 or 春节."))
    source = models.CharField(
        # Its own context: "source" alone is also a camera's video source in the catalogue.
        pgettext_lazy("holiday", "source"),
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


class HolidayYear(models.Model):
    """Whether a year's schedule is entered in full: only then do deadlines over it stop being provisional.

    The years seeded from the chinese-calendar package are complete; any other year is complete once
    an administrator says so (the admin, or ``manage.py import_holidays --complete``).
    """

    year = models.PositiveSmallIntegerField(
        _("year"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    complete = models.BooleanField(_("complete"), default=False)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked complete by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("marked complete at"), null=True, blank=True)
    source = models.CharField(
        pgettext_lazy("holiday", "source"), max_length=20, choices=HolidaySource.choices, default=HolidaySource.MANUAL
    )

    class Meta:
        verbose_name = _("holiday schedule of a year")
        verbose_name_plural = _("holiday schedules of years")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class NumberCounter(models.Model):
    """The last number given out under one prefix and day (SP-20261122 → 123), for cases and complaints."""

    key = models.CharField(max_length=20, unique=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.key}: {self.value}"


# How soon a case must be acted on: its deadline, else its step's, else (awaiting intake) filing.
URGENCY = Coalesce("deadline_at", "step_deadline_at", "submitted_at")


class CaseQuerySet(models.QuerySet):
    def handled_by(self, user) -> "CaseQuerySet":
        """The cases this member of staff reads: inspectors all; the licensing posts (clerk,
        reviewer, approver, head) their departments' (``portal.handle_cases``); nobody else any.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.has_perm(VIEW_ALL_CASES):
            return self
        return self.filter(department_id__in=sorted(case_department_ids(user, LICENSING_ROLES)))

    def visible_to(self, user) -> "CaseQuerySet":
        """The cases this user may see: those they handle (``handled_by``), and their own applications.

        A forbidden case is simply absent, so views answer 404.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.handled_by(user) | self.filter(applicant=user)

    def open(self) -> "CaseQuerySet":
        return self.filter(state__in=OPEN_STATES)


class Case(CaseFlow):
    """办件: one application for one power item, from filing to conclusion."""

    number = models.CharField(_("case number"), max_length=20, unique=True)
    query_code = models.CharField(_("query code"), max_length=8)
    item = models.ForeignKey(
        "powers.PowerItem",
        verbose_name=_("power item"),
        on_delete=models.PROTECT,
        related_name="cases",
        help_text=_("The version in force when the case was filed."),
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="cases"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="cases"
    )
    # The applicant's details as filed: the account may change later, the application does not.
    applicant_name = models.CharField(_("applicant's name"), max_length=100)
    applicant_id_number = models.CharField(_("identity card number"), max_length=18)
    applicant_mobile = models.CharField(_("mobile number"), max_length=11)
    applicant_email = models.EmailField(_("e-mail"), blank=True)
    applicant_address = models.CharField(_("address"), max_length=200, blank=True)
    description = models.TextField(_("what is applied for"), blank=True)

    step = models.ForeignKey(
        "powers.Step",
        verbose_name=_("current step"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    step_started_at = models.DateTimeField(_("step started at"), null=True, blank=True)
    step_deadline_at = models.DateTimeField(_("step deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True, db_index=True)
    time_limit_days = models.PositiveSmallIntegerField(
        _("time limit (working days)"), default=0, help_text=_("The promised days and any extension, from acceptance.")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)
    refused_at = models.DateTimeField(_("refused at"), null=True, blank=True, db_index=True)
    fee_charged = models.DecimalField(_("fee charged (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    # Kept by the services for the monitoring rules, which must not count the trail per sweep.
    return_count = models.PositiveSmallIntegerField(_("times returned or sent back"), default=0)
    supplement_count = models.PositiveSmallIntegerField(_("supplement requests"), default=0)
    decision = models.TextField(_("decision"), blank=True)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    refusal_basis = models.TextField(_("legal basis for refusal"), blank=True)
    # Every transition bumps it; a form carries the revision it was shown, so a click on a page
    # that another clerk has since acted on is refused instead of acting twice.
    revision = models.PositiveIntegerField(default=0)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-submitted_at"]
        indexes = [
            # The workbench inbox: one department's open cases (or every department's, for
            # inspectors), most urgent first — the order of workflow.selectors.workbench.
            models.Index(F("department"), URGENCY, F("id"), name="case_inbox_due", condition=Q(state__in=OPEN_STATES)),
            models.Index(URGENCY, F("id"), name="case_all_due", condition=Q(state__in=OPEN_STATES)),
            models.Index(fields=["applicant", "-submitted_at"], name="case_applicant"),
            # The supervision sweep's rules (supervision/rules/cases.py), each reading a narrow
            # range of open cases rather than the whole table (bench/b4_sweep.py).
            # T1: the running cases by time limit and deadline, one range per time limit.
            models.Index(
                fields=["time_limit_days", "deadline_at"],
                condition=Q(state__in=RUNNING_STATES),
                name="case_running_due",
            ),
            # T2: the cases at a step, past the step's own deadline.
            models.Index(fields=["step_deadline_at"], condition=Q(state__in=STEP_STATES), name="case_step_due"),
            # S1: applications waiting at intake.
            models.Index(fields=["submitted_at"], condition=Q(state=CaseState.SUBMITTED), name="case_intake_waiting"),
            # R1 and G1: the few open cases returned, or asked for materials more than once.
            models.Index(
                fields=["return_count"], condition=Q(state__in=OPEN_STATES, return_count__gte=1), name="case_returned"
            ),
            models.Index(
                fields=["supplement_count"],
                condition=Q(state__in=OPEN_STATES, supplement_count__gte=2),
                name="case_resupplemented",
            ),
            # F1: cases concluded with a fee charged.
            models.Index(fields=["concluded_at"], condition=Q(fee_charged__gt=0), name="case_fee_charged"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class SupplementRequest(models.Model):
    """一次性告知: every missing material, asked for at once."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="supplement_requests")
    materials = models.ManyToManyField("powers.Material", verbose_name=_("missing materials"), blank=True)
    note = models.TextField(_("what is missing"))
    # Empty on the external zone's copy: the clerk works inside (workflow/services/case_packets.py).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("supplement request")
        verbose_name_plural = _("supplement requests")
        ordering = ["case", "requested_at"]

    def __str__(self):
        return f"{self.case} @ {self.requested_at:%Y-%m-%d}"


class Attachment(models.Model):
    """A file the applicant handed in, checked by its content; kept as sent."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    material = models.ForeignKey(
        "powers.Material", verbose_name=_("material"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    supplement = models.ForeignKey(
        SupplementRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="cases/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["case", "uploaded_at", "id"]

    def __str__(self):
        return self.name


class Pause(models.Model):
    """A suspension or return that stops the clock, or an extension that adds to it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="pauses")
    kind = models.CharField(_("kind"), max_length=10, choices=PauseKind.choices)
    started_at = models.DateTimeField(_("from"), default=timezone.now)
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)
    days = models.PositiveSmallIntegerField(
        _("working days"), default=0, help_text=_("Expected for a suspension, granted for an extension.")
    )
    reason = models.TextField(_("reason"))
    # Empty on the external zone's copy, as for supplement requests.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        ordering = ["case", "started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(kind=PauseKind.EXTENSION), name="pause_one_extension_per_case"
            ),
        ]
        # H1: the suspensions still running.
        indexes = [
            models.Index(
                fields=["case"], condition=Q(kind=PauseKind.SUSPENSION, ended_at__isnull=True), name="pause_suspended"
            ),
        ]

    def __str__(self):
        return f"{self.case} {self.get_kind_display()}"


class CaseDocument(models.Model):
    """A document the department issues on the case (受理通知书, 办结通知书), kept as issued."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to="documents/%Y/%m/")
    # /track/verify/ finds an issued document by its digest.
    sha256 = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("case document")
        verbose_name_plural = _("case documents")
        ordering = ["case", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"], condition=~Q(kind__in=REPEATED_DOCUMENTS), name="document_one_per_kind"
            )
        ]

    def __str__(self):
        return f"{self.case} {self.get_kind_display()}"


class TrailEntry(models.Model):
    """办理记录: one transition, in an append-only hash chain over the whole table (全程留痕).

    ``hash`` is SHA-256 over this entry's fields and the previous entry's hash, in ``seq``
    order; ``mac`` seals that hash with ``TRAIL_KEY``, which the database never holds. On
    PostgreSQL a trigger refuses UPDATE and DELETE (migration 0010), and ``manage.py
    verify_trail`` checks chain, seals and checkpoints to find what was changed behind the
    database's back (workflow/services/trail.py).
    """

    seq = models.PositiveBigIntegerField(unique=True)
    # One chain for both kinds of case: each entry belongs to exactly one of them.
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="trail")
    penalty_case = models.ForeignKey(
        "PenaltyCase", null=True, blank=True, on_delete=models.PROTECT, related_name="trail"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(_("handled by"), max_length=100)
    role = models.CharField(_("role"), max_length=20, blank=True)
    action = models.CharField(_("action"), max_length=30)
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20)
    step_name = models.CharField(_("step"), max_length=100, blank=True)
    opinion = models.TextField(_("opinion"))
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    at = models.DateTimeField(_("time"))
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    mac = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("trail entry")
        verbose_name_plural = _("trail entries")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["case", "seq"], name="trail_case"),
            models.Index(fields=["penalty_case", "seq"], name="trail_penalty_case"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(case__isnull=False, penalty_case__isnull=True)
                | Q(case__isnull=True, penalty_case__isnull=False),
                name="trail_one_case",
            ),
        ]

    def __str__(self):
        return f"#{self.seq} {self.case_id or self.penalty_case_id} {self.action}"


class TrailCheckpoint(models.Model):
    """A zone's trail as it stood at one moment, signed with that zone's ``TRAIL_KEY``.

    Each zone makes its own and sends them to the other zone, which keeps them and publishes them
    (/public/trail/): whoever deletes the newest entries, or every entry, must also make every
    copy of the checkpoints disappear. Append-only like the trail (migration 0010).
    """

    zone = models.CharField(_("zone"), max_length=10)
    seq = models.PositiveBigIntegerField(_("head entry"))
    count = models.PositiveBigIntegerField(_("entries"))
    head = models.CharField(_("head hash"), max_length=64)
    made_at = models.DateTimeField(_("made at"))
    signature = models.CharField(_("signature"), max_length=64)

    class Meta:
        verbose_name = _("trail checkpoint")
        verbose_name_plural = _("trail checkpoints")
        constraints = [models.UniqueConstraint(fields=["zone", "seq"], name="trail_checkpoint_once")]

    def __str__(self):
        return f"{self.zone} #{self.seq}"


class PenaltyCaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PenaltyCaseQuerySet":
        """Inspectors see every penalty case; officers and heads their departments'; nobody else any
        (a 404)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.has_role(Role.INSPECTOR):
            return self
        return self.filter(department_id__in=sorted(case_department_ids(user, PENALTY_ROLES)))

    def decided(self) -> "PenaltyCaseQuerySet":
        return self.filter(state__in=PENALTY_DECIDED_STATES)


class PenaltyCase(PenaltyCaseFlow):
    """行政处罚办件: from a clue to the closing of the case, under one penalty item's discretion standard."""

    number = models.CharField(_("case number"), max_length=20, unique=True)
    item = models.ForeignKey(
        "powers.PowerItem",
        verbose_name=_("cause (penalty item)"),
        on_delete=models.PROTECT,
        related_name="penalty_cases",
        help_text=_("The penalty item the facts fall under; a change is recorded."),
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="penalty_cases"
    )
    party_name = models.CharField(_("party"), max_length=100)
    party_id_number = models.CharField(
        _("identity card or credit code"), max_length=18, help_text=_("Masked when the decision is published.")
    )
    party_mobile = models.CharField(_("mobile number"), max_length=11, blank=True)
    party_address = models.CharField(_("address"), max_length=200, blank=True)
    clue = models.TextField(_("clue"), help_text=_("Where the clue came from and what it says."))
    facts = models.TextField(_("facts found"), blank=True)
    level = models.CharField(_("circumstance level"), max_length=10, choices=Level.choices, blank=True)
    standard = models.ForeignKey(
        "powers.DiscretionStandard",
        verbose_name=_("standard applied"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_amount = models.DecimalField(
        _("proposed fine (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    amount = models.DecimalField(_("fine decided (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    # Kept by the services for rule P2, so that the sweep need not join the standards.
    out_of_range = models.BooleanField(_("outside the standard's range"), default=False)
    justification = models.TextField(_("justification for an amount outside the range"), blank=True)
    decision = models.TextField(_("decision"), blank=True)
    reason = models.TextField(_("reason for not registering or revoking"), blank=True)
    received_at = models.DateTimeField(_("clue received at"), default=timezone.now)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    informed_at = models.DateTimeField(_("party informed at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    executed_at = models.DateTimeField(_("executed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The moments of the events rule P1 reports.
    not_registered_at = models.DateTimeField(_("not registered at"), null=True, blank=True)
    cause_changed_at = models.DateTimeField(_("cause last changed at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    decision_document = models.FileField(_("decision document"), upload_to="penalties/%Y/%m/", blank=True)
    decision_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    # As on Case: a form carries the revision it was shown, so a stale page acts on nothing.
    revision = models.PositiveIntegerField(default=0)

    objects = PenaltyCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("penalty case")
        verbose_name_plural = _("penalty cases")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["department", "-received_at"], name="penalty_department"),
            # P3: the undecided cases by registration; P1 and P2: the recent events.
            models.Index(
                fields=["registered_at"], condition=Q(state__in=PENALTY_UNDECIDED_STATES), name="penalty_undecided"
            ),
            models.Index(fields=["decided_at"], condition=Q(out_of_range=True), name="penalty_out_of_range"),
        ]

    def __str__(self):
        return self.number


class CauseChange(models.Model):
    """变更案由: the cause before and after, and why."""

    case = models.ForeignKey(PenaltyCase, on_delete=models.PROTECT, related_name="cause_changes")
    old_item = models.ForeignKey(
        "powers.PowerItem", verbose_name=_("old cause"), on_delete=models.PROTECT, related_name="+"
    )
    new_item = models.ForeignKey(
        "powers.PowerItem", verbose_name=_("new cause"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("change of cause")
        verbose_name_plural = _("changes of cause")
        ordering = ["case", "changed_at"]

    def __str__(self):
        return f"{self.case} {self.old_item_id} → {self.new_item_id}"


class PublishedPenalty(models.Model):
    """行政处罚决定公示: a decision as the public reads it, the party's personal data already masked.

    Written when the head decides, and sent to the external zone as a ``penalty.published`` packet
    that makes the same row there: no personal data leaves the internal zone.
    """

    number = models.CharField(_("case number"), max_length=20, unique=True)
    decided_at = models.DateTimeField(_("decided at"))
    department = models.CharField(_("department"), max_length=200)
    item_code = models.CharField(_("item code"), max_length=80)
    item_name = models.CharField(_("item"), max_length=200)
    legal_basis = models.TextField(_("legal basis"))
    level = models.CharField(_("circumstance level"), max_length=10, choices=Level.choices, blank=True)
    party = models.CharField(_("party"), max_length=100)
    id_number = models.CharField(_("identity card or credit code"), max_length=18)
    mobile = models.CharField(_("mobile number"), max_length=11, blank=True)
    facts = models.TextField(_("facts found"))
    decision = models.TextField(_("decision"))
    amount = models.DecimalField(_("fine decided (yuan)"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("published penalty decision")
        verbose_name_plural = _("published penalty decisions")
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["-decided_at", "-id"], name="published_penalty_recent")]

    def __str__(self):
        return self.number


class Notification(models.Model):
    """A message to a user about their case, shown in the site and sent by SMS and e-mail."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "-created_at"], name="notification_recipient")]

    def __str__(self):
        return f"{self.recipient} {self.get_kind_display()}"


class OutboundMessage(models.Model):
    """An SMS or e-mail as handed to the sending backend (the development backend stops here)."""

    notification = models.ForeignKey(Notification, null=True, on_delete=models.SET_NULL, related_name="messages")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    to = models.CharField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    backend = models.CharField(_("backend"), max_length=200)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["-sent_at"]
        constraints = [
            # The send task may run twice (a redelivered message): one SMS and one e-mail at most.
            models.UniqueConstraint(fields=["notification", "channel"], name="message_once_per_channel"),
        ]

    def __str__(self):
        return f"{self.channel} → {self.to}"
