from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The model permission of those who read every department's licensing cases (inspectors).
VIEW_ALL_CASES = "workflow.view_case"


class CaseState(models.TextChoices):
    """The licensing-type case of DESIGN.md §4; the labels are what citizens and clerks read."""

    SUBMITTED = "submitted", _("Awaiting acceptance")
    SUPPLEMENT = "supplement", _("Awaiting supplement")
    ACCEPTED = "accepted", _("Accepted")
    REVIEWING = "reviewing", _("Under review")
    RETURNED = "returned", _("Returned to the applicant")
    SUSPENDED = "suspended", _("Suspended")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")
    CONCLUDED = "concluded", _("Concluded")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# States in which the case still waits for someone (the workbench's inbox, the clock).
OPEN_STATES = (
    CaseState.SUBMITTED,
    CaseState.SUPPLEMENT,
    CaseState.ACCEPTED,
    CaseState.REVIEWING,
    CaseState.RETURNED,
    CaseState.SUSPENDED,
    CaseState.APPROVED,
    CaseState.DENIED,
)
# States in which the promised-time clock runs (DESIGN.md §4's "clock" column).
RUNNING_STATES = (CaseState.ACCEPTED, CaseState.REVIEWING)
# States in which the department holds the case at one of its flowchart's steps.
STEP_STATES = (*RUNNING_STATES, CaseState.APPROVED, CaseState.DENIED)
# States that wait for the applicant rather than for staff.
APPLICANT_STATES = (CaseState.SUPPLEMENT, CaseState.RETURNED)


class PauseKind(models.TextChoices):
    SUSPENSION = "suspension", _("Suspension")
    RETURN = "return", _("Return to the applicant")
    EXTENSION = "extension", _("Extension")


class DocumentKind(models.TextChoices):
    """The written notices and decisions the law expects, each issued by the transition it reports."""

    ACCEPTANCE_NOTICE = "acceptance_notice", _("Notice of acceptance")
    CONCLUSION_NOTICE = "conclusion_notice", _("Notice of conclusion")
    SUPPLEMENT_NOTICE = "supplement_notice", _("Notice to supplement materials")
    REFUSAL_DECISION = "refusal_decision", _("Decision not to accept")
    DENIAL_DECISION = "denial_decision", _("Decision to deny the licence")
    SUSPENSION_NOTICE = "suspension_notice", _("Notice of suspension")
    EXTENSION_NOTICE = "extension_notice", _("Notice of extension")


# Issued again each time their transition is fired (a second supplement request, a second
# suspension); every other kind once per case.
REPEATED_DOCUMENTS = (DocumentKind.SUPPLEMENT_NOTICE, DocumentKind.SUSPENSION_NOTICE)


class NotificationKind(models.TextChoices):
    SUBMITTED = "submitted", _("Application received")
    ACCEPTED = "accepted", _("Application accepted")
    NOT_ACCEPTED = "not_accepted", _("Application not accepted")
    SUPPLEMENT = "supplement", _("Materials to supplement")
    RETURNED = "returned", _("Application returned")
    SUSPENDED = "suspended", _("Case suspended")
    RESUMED = "resumed", _("Case resumed")
    EXTENDED = "extended", _("Time limit extended")
    CONCLUDED = "concluded", _("Case concluded")
    DEADLINE_MOVED = "deadline_moved", _("Time limit recomputed")


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


# Administrative Licensing Law §42: the head of the department may extend the time limit by ten
# working days once; an item's own extension_days, when set, is the limit instead.
STATUTORY_EXTENSION_DAYS = 10
# The intake clock: an application must be accepted, refused or sent for supplement within this.
INTAKE_WORKING_DAYS = 1


class PenaltyState(models.TextChoices):
    """The penalty case of DESIGN.md §4 (行政处罚办件); the context keeps "Decided" apart from the date label."""

    CLUE = "clue", pgettext_lazy("penalty state", "Clue received")
    REGISTERED = "registered", pgettext_lazy("penalty state", "Registered")
    NOT_REGISTERED = "not_registered", pgettext_lazy("penalty state", "Not registered")
    INVESTIGATING = "investigating", pgettext_lazy("penalty state", "Under investigation")
    INFORMED = "informed", pgettext_lazy("penalty state", "Party informed")
    HEARING = "hearing", pgettext_lazy("penalty state", "Hearing")
    LEGAL_REVIEW = "legal_review", pgettext_lazy("penalty state", "Under legal review")
    REVIEWED = "reviewed", pgettext_lazy("penalty state", "Legal review passed")
    DECIDED = "decided", pgettext_lazy("penalty state", "Decided")
    EXECUTED = "executed", pgettext_lazy("penalty state", "Executed")
    CLOSED = "closed", pgettext_lazy("penalty state", "Closed")
    REVOKED = "revoked", pgettext_lazy("penalty state", "Registration revoked")


# Registered and not yet decided: the 90-day clock of rule P3 runs.
PENALTY_UNDECIDED_STATES = (
    PenaltyState.REGISTERED,
    PenaltyState.INVESTIGATING,
    PenaltyState.INFORMED,
    PenaltyState.HEARING,
    PenaltyState.LEGAL_REVIEW,
    PenaltyState.REVIEWED,
)
# Decided: published on the external zone, counted in the discretion statistics.
PENALTY_DECIDED_STATES = (PenaltyState.DECIDED, PenaltyState.EXECUTED, PenaltyState.CLOSED)
# Administrative Penalty Law §60: a case is decided within 90 days of registration.
PENALTY_DECISION_DAYS = 90
