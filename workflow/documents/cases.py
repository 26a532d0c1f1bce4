"""The documents issued on a licensing case: what each kind says (the layout is documents.layout)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from ..calendar import WorkingCalendar, provisional_note
from ..constants import DocumentKind, PauseKind
from ..models import Case
from .layout import Letter, day


def remedies() -> str:
    # Administrative Reconsideration Law §20 and Administrative Litigation Law §46.
    return _(
        "If you disagree, you may apply for administrative reconsideration within 60 days, or bring an "
        "administrative lawsuit before a people's court within 6 months, of receiving this decision."
    )


def _acceptance(case: Case) -> list[str]:
    return [
        _(
            "Your application for %(item)s, submitted on %(submitted)s, has complete materials in the "
            "statutory form and is accepted."
        )
        % {"item": case.item.name, "submitted": day(case.submitted_at)},
        _(
            "We will decide on it by %(deadline)s (%(days)d working days promised; time spent on hearings, "
            "tests or expert review is not counted)."
        )
        % {"deadline": day(case.deadline_at), "days": case.item.promised_days},
        *_provisional(case),
    ]


def _provisional(case: Case) -> list[str]:
    """The notice's warning when its deadline is counted over a year whose holidays are not entered in full."""
    note = provisional_note(WorkingCalendar().provisional_years(case.accepted_at, case.deadline_at))
    return [f"{note}。"] if note else []


def _denied(case: Case) -> str:
    return _("Your application for %(item)s is denied. Reason: %(reason)s. Legal basis: %(basis)s.") % {
        "item": case.item.name,
        "reason": case.refusal_reason,
        "basis": case.refusal_basis,
    }


def _denial(case: Case) -> list[str]:
    return [_denied(case), remedies()]


def _conclusion(case: Case) -> list[str]:
    """The remedies against a denial are in the 不予许可决定书 issued with it, not repeated here."""
    if case.refusal_reason:
        outcome = _denied(case)
    else:
        outcome = _("Your application for %(item)s is approved: %(decision)s") % {
            "item": case.item.name,
            "decision": case.decision,
        }
    return [outcome, _("The case was concluded on %(day)s.") % {"day": day(case.concluded_at or timezone.now())}]


def _refusal(case: Case) -> list[str]:
    return [
        _(
            "Your application for %(item)s, submitted on %(submitted)s, is not accepted. Reason: %(reason)s. "
            "Legal basis: %(basis)s."
        )
        % {
            "item": case.item.name,
            "submitted": day(case.submitted_at),
            "reason": case.refusal_reason,
            "basis": case.refusal_basis,
        },
        remedies(),
    ]


def _supplement(case: Case) -> list[str]:
    request = case.supplement_requests.order_by("-requested_at", "-pk").first()
    materials = [material.name for material in request.materials.order_by("position")]
    return [
        _(
            "Your application for %(item)s, submitted on %(submitted)s, is incomplete. Hand in everything listed "
            "below at once (Administrative Licensing Law, Article 32): nothing else will be asked for."
        )
        % {"item": case.item.name, "submitted": day(case.submitted_at)},
        *(f"{position}. {name}" for position, name in enumerate(materials, start=1)),
        _("What is missing or wrong: %(note)s") % {"note": request.note},
        _("The time limit starts once the complete materials are received."),
    ]


def _pause(case: Case, kind: str):
    return case.pauses.filter(kind=kind).order_by("-started_at", "-pk").first()


def _suspension(case: Case) -> list[str]:
    pause = _pause(case, PauseKind.SUSPENSION)
    return [
        _(
            "From %(day)s your case is suspended for a special procedure (hearing, test, inspection or expert "
            "review; Administrative Licensing Law, Article 45). Reason: %(reason)s"
        )
        % {"day": day(pause.started_at), "reason": pause.reason},
        _(
            "It is expected to take %(days)d working days, which are not counted in the time limit; you will be "
            "told when the case is handled again."
        )
        % {"days": pause.days},
    ]


def _extension(case: Case) -> list[str]:
    pause = _pause(case, PauseKind.EXTENSION)
    return [
        _(
            "With the approval of the head of the department, the time limit of your case is extended by %(days)d "
            "working days (Administrative Licensing Law, Article 42). Reason: %(reason)s"
        )
        % {"days": pause.days, "reason": pause.reason},
        _("The case will be decided by %(deadline)s.") % {"deadline": day(case.deadline_at)},
    ]


BODIES = {
    DocumentKind.ACCEPTANCE_NOTICE: _acceptance,
    DocumentKind.CONCLUSION_NOTICE: _conclusion,
    DocumentKind.SUPPLEMENT_NOTICE: _supplement,
    DocumentKind.REFUSAL_DECISION: _refusal,
    DocumentKind.DENIAL_DECISION: _denial,
    DocumentKind.SUSPENSION_NOTICE: _suspension,
    DocumentKind.EXTENSION_NOTICE: _extension,
}


def case_letter(case: Case, kind: str) -> Letter:
    return Letter(
        department=case.department.name,
        title=str(DocumentKind(kind).label),
        number=case.number,
        addressee=case.applicant_name,
        paragraphs=BODIES[kind](case),
        facts=[
            (_("Case number"), case.number),
            (_("Query code"), case.query_code),
            (_("Applicant"), case.applicant_name),
            (_("Item"), f"{case.item.name}（{case.item.code}）"),
            (_("Department"), case.department.name),
        ],
        query_code=case.query_code,
    )
