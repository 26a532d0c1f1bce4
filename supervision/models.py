import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Department
from portal.roles import Role
from portal.selectors import handled_department_ids

from .constants import (
    OPEN_ALERT_STATES,
    AlertState,
    ComplaintAbout,
    ComplaintSource,
    ComplaintState,
    Grade,
    Level,
    Subject,
)
from .flows import AlertFlow


class Rule(models.Model):
    """监察点: one monitoring rule, evaluated by the sweep every minute (DESIGN.md §5).

    What the thresholds mean depends on the evaluator (see supervision.rules); a rule without
    a yellow (or red) threshold raises no yellow (or red) card.
    """

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=100)
    applies_to = models.CharField(_("applies to"), max_length=20, choices=Subject.choices)
    evaluator = models.CharField(_("evaluator"), max_length=40)
    yellow_threshold = models.DecimalField(_("yellow threshold"), max_digits=8, decimal_places=2, null=True, blank=True)
    red_threshold = models.DecimalField(_("red threshold"), max_digits=8, decimal_places=2, null=True, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("monitoring rule")
        verbose_name_plural = _("monitoring rules")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    def level_for(self, measure) -> str | None:
        """The card a measure earns against this rule's thresholds (for rules reported by other apps
        in one unit, minutes for cameras and the exchange): red, yellow, or none."""
        if self.red_threshold is not None and measure >= self.red_threshold:
            return Level.RED
        if self.yellow_threshold is not None and measure >= self.yellow_threshold:
            return Level.YELLOW
        return None


class AlertQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OPEN_ALERT_STATES)

    def visible_to(self, user):
        """Inspectors see every alert; a department head their department's."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.has_role(Role.INSPECTOR):
            return self
        if user.has_role(Role.DEPT_HEAD):
            return self.filter(department_id__in=handled_department_ids(user))
        return self.none()


class Alert(AlertFlow):
    """预警 / 报警: a rule's finding about one subject; at most one open per rule and subject."""

    rule = models.ForeignKey(Rule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="alerts")
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    subject = models.CharField(_("subject"), max_length=20, choices=Subject.choices)
    subject_id = models.BigIntegerField(_("subject id"))
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    case = models.ForeignKey(
        "workflow.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    escalated_at = models.DateTimeField(_("turned red at"), null=True, blank=True)
    cleared_at = models.DateTimeField(_("condition cleared at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject", "subject_id"],
                condition=Q(state__in=OPEN_ALERT_STATES),
                name="alert_one_open_per_rule_and_subject",
            ),
        ]
        indexes = [
            # The dashboard's live list in its order (selectors.dashboard.LIST_ORDER), and its tallies
            # by department, rule and level (a head's by prefix).
            models.Index(
                fields=["level", "raised_at", "id"], condition=Q(state__in=OPEN_ALERT_STATES), name="alert_open_queue"
            ),
            models.Index(
                fields=["department", "rule", "level"],
                condition=Q(state__in=OPEN_ALERT_STATES),
                name="alert_open_tally",
            ),
            models.Index(fields=["department", "state"], name="alert_department"),
            # The 30-day trend, read off the index alone.
            models.Index(fields=["raised_at"], include=["level", "department"], name="alert_trend"),
            # The sweep: alerts an inspector closed while their condition held.
            models.Index(
                fields=["rule", "subject", "subject_id", "level"],
                condition=Q(state=AlertState.CLOSED, cleared_at__isnull=True),
                name="alert_closed_by_hand",
            ),
        ]

    def __str__(self):
        return f"{self.rule.code} {self.get_level_display()} {self.subject}#{self.subject_id}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_ALERT_STATES


class SweepFinding(models.Model):
    """One finding of the rule being swept, in a temporary table of the sweep's connection.

    The sweep fills it once per rule (supervision.services.sweep) and every step of turning the
    findings into alerts reads it, instead of running the rule's query once per step.
    """

    subject_id = models.BigIntegerField(primary_key=True)
    level = models.CharField(max_length=10)
    department_id = models.BigIntegerField(null=True)
    case_id = models.BigIntegerField(null=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        managed = False
        db_table = "supervision_sweep_finding"

    def __str__(self):
        return f"{self.subject_id} {self.level}"


class AlertEvent(models.Model):
    """One step in an alert's own trail: raised, turned red, acknowledged, ordered, answered, closed."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    action = models.CharField(_("action"), max_length=20)
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("alert event")
        verbose_name_plural = _("alert events")
        ordering = ["alert", "at", "id"]

    def __str__(self):
        return f"{self.alert_id} {self.action}"


class SupervisionOrder(models.Model):
    """督办单: the inspectors' order to a department to explain or rectify, and its answer."""

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="orders")
    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.PROTECT)
    instructions = models.TextField(_("instructions"))
    due_date = models.DateField(_("answer due by"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("supervision order")
        verbose_name_plural = _("supervision orders")
        ordering = ["-issued_at"]

    def __str__(self):
        return f"{self.department} {self.issued_at:%Y-%m-%d}"


class Complaint(models.Model):
    """投诉: from the web, by phone or on site; routed to a department, answered by a due date, judged."""

    number = models.CharField(_("complaint number"), max_length=20, unique=True)
    source = models.CharField(_("source"), max_length=10, choices=ComplaintSource.choices)
    about = models.CharField(_("about"), max_length=10, choices=ComplaintAbout.choices)
    complainant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    complainant_name = models.CharField(_("complainant's name"), max_length=100)
    complainant_mobile = models.CharField(_("mobile number"), max_length=11)
    case = models.ForeignKey(
        "workflow.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="complaints"
    )
    window = models.CharField(_("window"), max_length=20, blank=True)
    content = models.TextField(_("what happened"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    due_at = models.DateTimeField(_("answer due by"))
    state = models.CharField(_("state"), max_length=10, choices=ComplaintState.choices, default=ComplaintState.FILED)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    upheld = models.BooleanField(_("upheld"), null=True, blank=True)
    judged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    judged_at = models.DateTimeField(_("judged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-filed_at"]
        indexes = [models.Index(fields=["state", "due_at"], name="complaint_due")]

    def __str__(self):
        return self.number


class Rating(models.Model):
    """好差评: the applicant's grade of a concluded case; one, and one follow-up."""

    # The same rating in both zones (its primary key is each database's own): the return visit and
    # rectification recorded inside find the external copy by it.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("workflow.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="ratings")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ratings")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="ratings")
    grade = models.PositiveSmallIntegerField(_("grade"), choices=Grade.choices)
    comment = models.TextField(_("comment"), blank=True)
    is_follow_up = models.BooleanField(_("follow-up rating"), default=False)
    rated_at = models.DateTimeField(_("rated at"), default=timezone.now)
    # A bad grade opens a return visit (回访) and a rectification (整改) the applicant sees.
    return_visit = models.TextField(_("return visit"), blank=True)
    return_visit_at = models.DateTimeField(_("visited at"), null=True, blank=True)
    rectification = models.TextField(_("rectification"), blank=True)
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-rated_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "is_follow_up"], name="rating_once_and_one_follow_up"),
        ]

    def __str__(self):
        return f"{self.case_id} {self.get_grade_display()}"


class DepartmentScore(models.Model):
    """绩效评估: a department's figures and score for one month, kept as computed."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="scores")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    concluded = models.PositiveIntegerField(_("cases concluded"), default=0)
    on_time = models.PositiveIntegerField(_("concluded on time"), default=0)
    red_alerts = models.PositiveIntegerField(_("red alerts"), default=0)
    yellow_alerts = models.PositiveIntegerField(_("yellow alerts"), default=0)
    upheld_complaints = models.PositiveIntegerField(_("upheld complaints"), default=0)
    bad_ratings = models.PositiveIntegerField(_("bad ratings"), default=0)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("department score")
        verbose_name_plural = _("department scores")
        ordering = ["-month", "rank"]
        constraints = [models.UniqueConstraint(fields=["department", "month"], name="score_one_per_month")]

    def __str__(self):
        return f"{self.department} {self.month:%Y-%m}: {self.score}"
