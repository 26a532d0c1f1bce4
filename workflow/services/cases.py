"""Filing a case and every transition of it (see workflow.flows for who may do what, and when).

Each service locks the case row, refuses a page that is out of date (``revision``), fires the
transition, saves, writes the trail entry in the same transaction and tells the applicant; in
the same transaction the other zone's packet is queued (workflow.services.case_packets: what the
applicant does goes in, every transition's public state comes out). Errors a user can correct
are ValidationError with a message; a transition this user may not fire is PermissionDenied.
"""

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.blobs import blob_save
from portal.roles import Role
from portal.zones import serves_external
from powers.constants import NOT_APPLIED_FOR, Status
from powers.models import Material, PowerItem, Step

from .. import flows
from ..calendar import WorkingCalendar, provisional_note
from ..constants import STATUTORY_EXTENSION_DAYS, CaseState, DocumentKind, NotificationKind, PauseKind
from ..exchange.packets import Kind
from ..models import Attachment, Case, Pause, SupplementRequest
from ..uploads import inspect_upload
from .case_packets import applicant_action_emit, application_submitted_emit, published
from .deadlines import case_deadline
from .documents import document_issue
from .notifications import notify_applicant
from .numbers import number_next
from .trail import trail_append
from .transitions import fired
from .transitions import require as _require

QUERY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


@dataclass(frozen=True)
class Upload:
    """One file handed in, for one of the item's materials (None: something extra)."""

    material: Material | None
    file: UploadedFile


# Filing --------------------------------------------------------------------------------------


def check_uploads(uploads: Sequence[Upload], required: Sequence[Material]) -> list[tuple[Upload, str, str]]:
    errors, checked = [], []
    for upload in uploads:
        try:
            checked.append((upload, *inspect_upload(upload.file)))
        except ValidationError as error:
            errors.extend(error.messages)
    given = {upload.material.pk for upload in uploads if upload.material is not None}
    missing = [material.name for material in required if material.pk not in given]
    if missing:
        errors.append(_("These required materials are missing: %(names)s.") % {"names": "、".join(missing)})
    if errors:
        raise ValidationError(errors)
    return checked


def store_uploads(case: Case, checked, supplement: SupplementRequest | None = None) -> list[Attachment]:
    attachments = []
    for upload, content_type, sha256 in checked:
        attachment = Attachment(
            case=case,
            material=upload.material,
            supplement=supplement,
            name=upload.file.name[:200],
            content_type=content_type,
            size=upload.file.size,
            sha256=sha256,
        )
        attachment.file.name = blob_save(upload.file, digest=sha256)
        attachment.save()
        attachments.append(attachment)
    return attachments


@transaction.atomic
def case_file(
    *,
    applicant,
    item: PowerItem,
    applicant_name: str,
    applicant_id_number: str,
    applicant_mobile: str,
    applicant_email: str = "",
    applicant_address: str = "",
    description: str = "",
    uploads: Sequence[Upload] = (),
    client_address: str | None = None,
) -> Case:
    """A citizen files an application for a published item; nothing is stored unless all of it is valid."""
    if item.status != Status.PUBLISHED or item.category in NOT_APPLIED_FOR:
        raise ValidationError(_("This item cannot be applied for online."))
    materials = list(item.materials.all())
    if any(upload.material is not None and upload.material.item_id != item.pk for upload in uploads):
        raise ValidationError(_("A file was given for a material of another item."))
    checked = check_uploads(uploads, [material for material in materials if material.required])

    now = timezone.now()
    case = Case(
        number=number_next(prefix=_number_prefix(), day=timezone.localdate(now)),
        query_code="".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(8)),
        item=item,
        department_id=item.department_id,
        applicant=applicant,
        applicant_name=applicant_name,
        applicant_id_number=applicant_id_number,
        applicant_mobile=applicant_mobile,
        applicant_email=applicant_email,
        applicant_address=applicant_address,
        description=description,
        submitted_at=now,
    )
    attachments = case_open(case, checked, client_address=client_address)
    notify_applicant(
        case,
        NotificationKind.SUBMITTED,
        _("Your application %(number)s for %(item)s has been received; its query code is %(code)s.")
        % {"number": case.number, "item": item.name, "code": case.query_code},
    )
    if serves_external():
        application_submitted_emit(case, attachments, client_address=client_address)
    return case


def case_open(case: Case, checked, *, client_address: str | None) -> list[Attachment]:
    """Save a new case at its first step, with its files and the first entry of its trail (the
    filing outside, and the same application arriving inside: workflow.services.case_handlers)."""
    first_step = case.item.steps.order_by("position").first()
    _enter_step(case, first_step, case.submitted_at, WorkingCalendar())
    case.full_clean(exclude=["number", "step"])
    case.save()
    attachments = store_uploads(case, checked)
    trail_append(
        case=case,
        actor=case.applicant,
        role=Role.CITIZEN,
        action="submit",
        from_state="",
        to_state=case.state,
        step_name=first_step.name if first_step else "",
        opinion=_("Application submitted online."),
        client_address=client_address,
        at=case.submitted_at,
    )
    return attachments


def _number_prefix() -> str:
    """Applications are numbered where they are filed, from that zone's own counter: SP-… outside
    (and in the single zone), SN-… for the few filed inside (the demo's), so that the first of a day
    is never SP-…-000001 in both zones and an application from outside can always be copied in."""
    return "SN" if settings.PORTAL_ZONE == settings.ZONE_INTERNAL else "SP"


# The transition machinery --------------------------------------------------------------------


def _enter_step(case: Case, step: Step | None, now, calendar: WorkingCalendar) -> None:
    case.step = step
    case.step_started_at = now if step else None
    case.step_deadline_at = calendar.deadline(now, step.days_limit) if step else None


def _resume_step(case: Case, paused_at, now, calendar: WorkingCalendar) -> None:
    """The step's clock stood still during the pause: its start moves on by the working days the pause
    covered (the pause's day still counts as used, as for the case's deadline)."""
    if case.step_id is None or case.step_started_at is None:
        return
    started = timezone.localtime(case.step_started_at)
    used = max(0, calendar.working_days_between(started.date(), timezone.localdate(paused_at)))
    resumed = timezone.localdate(now)
    day = calendar.add_working_days(resumed, -used) if used else resumed
    case.step_started_at = datetime.combine(day, started.time(), tzinfo=started.tzinfo)
    case.step_deadline_at = calendar.deadline(case.step_started_at, case.step.days_limit)


def _recompute_deadline(case: Case, calendar: WorkingCalendar) -> None:
    """The deadline from acceptance: promised days, plus any extension, plus the paused working days."""
    if case.accepted_at is None:
        return
    case.time_limit_days, case.deadline_at = case_deadline(case, case.pauses.all(), calendar)


def _promised_day(case: Case) -> str:
    """The deadline as the applicant is told it, saying so when it is counted over a year not entered in full."""
    day = timezone.localtime(case.deadline_at).strftime("%Y-%m-%d")
    note = provisional_note(WorkingCalendar().provisional_years(case.accepted_at, case.deadline_at))
    return f"{day}（{note}）" if note else day


@contextmanager
def _transition(
    case: Case, user, action: str, *, opinion: str, revision: int | None, client_address: str | None
) -> Iterator[Case]:
    """Lock, check and fire ``action``; the caller updates the locked case inside; then save and trail."""
    opinion = _require(opinion, _("Write an opinion (办理意见): it goes into the case's trail."))
    locked = Case.objects.select_for_update(of=("self",)).select_related("item", "step").get(pk=case.pk)
    step, role = locked.step, flows.acting_role(locked, action)
    with fired(locked, user, action, revision=revision) as from_state:
        yield locked
    trail_append(
        case=locked,
        actor=user,
        role=role,
        action=action,
        from_state=from_state,
        to_state=locked.state,
        step_name=step.name if step else "",
        opinion=opinion,
        client_address=client_address,
    )
    case.refresh_from_db()


def _open_pause(case: Case, kind: str) -> Pause | None:
    return case.pauses.filter(kind=kind, ended_at__isnull=True).first()


# Intake (window clerk) -------------------------------------------------------------------------


@published
def case_request_supplement(
    *, case: Case, user, materials: Sequence[Material], opinion: str, revision=None, client_address=None
) -> Case:
    """一次性告知: list every missing material at once (and say what is wrong in the opinion)."""
    with _transition(
        case, user, "request_supplement", opinion=opinion, revision=revision, client_address=client_address
    ) as locked:
        if any(material.item_id != locked.item_id for material in materials):
            raise ValidationError(_("Only this item's materials can be asked for."))
        locked.supplement_count += 1
        request = SupplementRequest.objects.create(case=locked, note=opinion.strip(), requested_by=user)
        request.materials.set(materials)
    document_issue(case=case, kind=DocumentKind.SUPPLEMENT_NOTICE)
    names = "、".join(material.name for material in materials)
    notify_applicant(
        case,
        NotificationKind.SUPPLEMENT,
        _("Application %(number)s needs more materials: %(what)s. Supply them all at once on the site.")
        % {"number": case.number, "what": "；".join(filter(None, [names, opinion.strip().rstrip("。.")]))},
    )
    return case


@published
def case_accept(*, case: Case, user, opinion: str, revision=None, client_address=None) -> Case:
    """The clock starts at acceptance; the case goes to the first step after intake; a notice is issued."""
    with _transition(case, user, "accept", opinion=opinion, revision=revision, client_address=client_address) as locked:
        now, calendar = timezone.now(), WorkingCalendar()
        locked.accepted_at = now
        _enter_step(locked, flows.next_step(locked), now, calendar)
        _recompute_deadline(locked, calendar)
    document_issue(case=case, kind=DocumentKind.ACCEPTANCE_NOTICE)
    notify_applicant(
        case,
        NotificationKind.ACCEPTED,
        _("Application %(number)s has been accepted; it will be concluded by %(deadline)s.")
        % {"number": case.number, "deadline": _promised_day(case)},
    )
    return case


@published
def case_not_accept(*, case: Case, user, reason: str, legal_basis: str, revision=None, client_address=None) -> Case:
    """不予受理: the reason and the legal basis are both required, and told to the applicant."""
    reason = _require(reason, _("Give the reason for not accepting the application."))
    legal_basis = _require(legal_basis, _("Give the legal basis for not accepting the application."))
    with _transition(
        case, user, "not_accept", opinion=reason, revision=revision, client_address=client_address
    ) as locked:
        locked.refusal_reason, locked.refusal_basis = reason, legal_basis
        locked.concluded_at = locked.refused_at = timezone.now()
        _enter_step(locked, None, locked.concluded_at, WorkingCalendar())
    document_issue(case=case, kind=DocumentKind.REFUSAL_DECISION)
    notify_applicant(
        case,
        NotificationKind.NOT_ACCEPTED,
        _("Application %(number)s was not accepted: %(reason)s (%(basis)s).")
        % {"number": case.number, "reason": reason, "basis": legal_basis},
    )
    return case


# Applicant ----------------------------------------------------------------------------------------


@published
def case_resubmit(
    *, case: Case, user, uploads: Sequence[Upload] = (), opinion: str = "", revision=None, client_address=None
) -> Case:
    """The applicant answers a supplement request (every material asked for) or corrects a returned file."""
    opinion = opinion.strip() or _("The applicant handed in the corrected application.")
    request = case.supplement_requests.filter(answered_at__isnull=True).first()
    if case.state == CaseState.SUPPLEMENT and request is not None:
        checked = check_uploads(uploads, list(request.materials.all()))
    else:
        checked = check_uploads(uploads, [])
    with _transition(
        case, user, "resubmit", opinion=opinion, revision=revision, client_address=client_address
    ) as locked:
        answering, now = locked.state == CaseState.SUPPLEMENT, timezone.now()
        if request is not None and locked.state == CaseState.SUBMITTED:
            request.answered_at = now
            request.save(update_fields=["answered_at"])
        returned = _open_pause(locked, PauseKind.RETURN)
        if returned is not None:
            returned.ended_at, calendar = now, WorkingCalendar()
            returned.save(update_fields=["ended_at"])
            _recompute_deadline(locked, calendar)
            _resume_step(locked, returned.started_at, now, calendar)
        answered = request if locked.state == CaseState.SUBMITTED else None
        attachments = store_uploads(locked, checked, supplement=answered)
    if serves_external():
        applicant_action_emit(
            case,
            Kind.APPLICATION_SUPPLEMENTED if answering else Kind.APPLICATION_RESUBMITTED,
            note=opinion,
            attachments=attachments,
            client_address=client_address,
        )
    return case


@published
def case_withdraw(*, case: Case, user, opinion: str = "", revision=None, client_address=None) -> Case:
    opinion = opinion.strip() or _("The applicant withdrew the application.")
    with _transition(
        case, user, "withdraw", opinion=opinion, revision=revision, client_address=client_address
    ) as locked:
        now = timezone.now()
        locked.concluded_at = now
        _enter_step(locked, None, now, WorkingCalendar())
        for pause in locked.pauses.filter(ended_at__isnull=True):
            pause.ended_at = now
            pause.save(update_fields=["ended_at"])
    if serves_external():
        applicant_action_emit(case, Kind.APPLICATION_WITHDRAWN, note=opinion, client_address=client_address)
    return case


# Step handlers -------------------------------------------------------------------------------------


@published
def case_advance(*, case: Case, user, opinion: str, revision=None, client_address=None) -> Case:
    """The current step is done: on to the next one."""
    with _transition(
        case, user, "advance", opinion=opinion, revision=revision, client_address=client_address
    ) as locked:
        _enter_step(locked, flows.next_step(locked), timezone.now(), WorkingCalendar())
    return case


@published
def case_send_back(*, case: Case, user, opinion: str, revision=None, client_address=None) -> Case:
    """回退 to the previous step, with the reason in the opinion."""
    with _transition(
        case, user, "send_back", opinion=opinion, revision=revision, client_address=client_address
    ) as locked:
        locked.return_count += 1
        _enter_step(locked, flows.previous_step(locked), timezone.now(), WorkingCalendar())
    return case


@published
def case_return(*, case: Case, user, opinion: str, revision=None, client_address=None) -> Case:
    """退件: back to the applicant to correct; the clock pauses until they resubmit."""
    with _transition(
        case, user, "return_to_applicant", opinion=opinion, revision=revision, client_address=client_address
    ) as locked:
        locked.return_count += 1
        Pause.objects.create(case=locked, kind=PauseKind.RETURN, reason=opinion.strip(), created_by=user)
    notify_applicant(
        case,
        NotificationKind.RETURNED,
        _("Application %(number)s was returned to you: %(reason)s") % {"number": case.number, "reason": opinion},
    )
    return case


@published
def case_suspend(*, case: Case, user, opinion: str, days: int, revision=None, client_address=None) -> Case:
    """特别程序: the clock pauses for a hearing, test or expert review, expected to take ``days``."""
    if not days or days < 1:
        raise ValidationError(_("Give the working days the special procedure is expected to take."))
    with _transition(
        case, user, "suspend", opinion=opinion, revision=revision, client_address=client_address
    ) as locked:
        Pause.objects.create(case=locked, kind=PauseKind.SUSPENSION, reason=opinion.strip(), days=days, created_by=user)
    document_issue(case=case, kind=DocumentKind.SUSPENSION_NOTICE)
    notify_applicant(
        case,
        NotificationKind.SUSPENDED,
        _("Case %(number)s is suspended for about %(days)d working days: %(reason)s")
        % {"number": case.number, "days": days, "reason": opinion},
    )
    return case


@published
def case_resume(*, case: Case, user, opinion: str, revision=None, client_address=None) -> Case:
    with _transition(case, user, "resume", opinion=opinion, revision=revision, client_address=client_address) as locked:
        suspension, calendar = _open_pause(locked, PauseKind.SUSPENSION), WorkingCalendar()
        suspension.ended_at = timezone.now()
        suspension.save(update_fields=["ended_at"])
        _recompute_deadline(locked, calendar)
        _resume_step(locked, suspension.started_at, suspension.ended_at, calendar)
    notify_applicant(
        case,
        NotificationKind.RESUMED,
        _("Case %(number)s is being handled again; it will be concluded by %(deadline)s.")
        % {"number": case.number, "deadline": _promised_day(case)},
    )
    return case


@published
def case_extend(*, case: Case, user, opinion: str, days: int, revision=None, client_address=None) -> Case:
    """延期 by the department head: once, within the item's extension days (by law ten)."""
    limit = case.item.extension_days or STATUTORY_EXTENSION_DAYS
    if not days or not 1 <= days <= limit:
        raise ValidationError(_("An extension is from 1 to %(limit)d working days.") % {"limit": limit})
    if not flows.may_extend(case):
        # The transition would refuse too, but in the name of the case's state, which allows it.
        raise ValidationError(
            _("This case has already been extended once; by law it cannot be extended again."), code="extended"
        )
    with _transition(case, user, "extend", opinion=opinion, revision=revision, client_address=client_address) as locked:
        now = timezone.now()
        Pause.objects.create(
            case=locked,
            kind=PauseKind.EXTENSION,
            started_at=now,
            ended_at=now,
            days=days,
            reason=opinion.strip(),
            created_by=user,
        )
        _recompute_deadline(locked, WorkingCalendar())
    document_issue(case=case, kind=DocumentKind.EXTENSION_NOTICE)
    notify_applicant(
        case,
        NotificationKind.EXTENDED,
        _("The time limit of case %(number)s is extended by %(days)d working days to %(deadline)s: %(reason)s")
        % {
            "number": case.number,
            "days": days,
            "deadline": _promised_day(case),
            "reason": opinion,
        },
    )
    return case


# Decision and conclusion -------------------------------------------------------------------------


@published
def case_approve(*, case: Case, user, opinion: str, revision=None, client_address=None) -> Case:
    with _transition(
        case, user, "approve", opinion=opinion, revision=revision, client_address=client_address
    ) as locked:
        _decide(locked, opinion)
    return case


@published
def case_deny(*, case: Case, user, reason: str, legal_basis: str, revision=None, client_address=None) -> Case:
    """不予许可: the reason and the legal basis are both required."""
    reason = _require(reason, _("Give the reason for denying the application."))
    legal_basis = _require(legal_basis, _("Give the legal basis for denying the application."))
    with _transition(case, user, "deny", opinion=reason, revision=revision, client_address=client_address) as locked:
        locked.refusal_reason, locked.refusal_basis = reason, legal_basis
        _decide(locked, reason)
        locked.refused_at = locked.decided_at
    document_issue(case=case, kind=DocumentKind.DENIAL_DECISION)
    return case


def _decide(case: Case, decision: str) -> None:
    now = timezone.now()
    case.decision, case.decided_at = decision.strip(), now
    _enter_step(case, flows.next_step(case), now, WorkingCalendar())


@published
def case_conclude(
    *, case: Case, user, opinion: str, fee_charged: Decimal | None = None, revision=None, client_address=None
) -> Case:
    """办结: the fee charged (if any) is recorded, the notice of conclusion issued and the applicant told."""
    if fee_charged is not None and fee_charged < 0:
        raise ValidationError(_("The fee charged cannot be negative."))
    with _transition(
        case, user, "conclude", opinion=opinion, revision=revision, client_address=client_address
    ) as locked:
        locked.concluded_at, locked.fee_charged = timezone.now(), fee_charged
        _enter_step(locked, None, locked.concluded_at, WorkingCalendar())
    document_issue(case=case, kind=DocumentKind.CONCLUSION_NOTICE)
    outcome = _("approved") if case.refusal_reason == "" else _("denied: %(reason)s") % {"reason": case.refusal_reason}
    notify_applicant(
        case,
        NotificationKind.CONCLUDED,
        _("Case %(number)s is concluded, %(outcome)s. The notice of conclusion can be downloaded on the site.")
        % {"number": case.number, "outcome": outcome},
    )
    return case


# Service per action name, for the workbench's one transition view.
SERVICES = {
    "request_supplement": case_request_supplement,
    "accept": case_accept,
    "not_accept": case_not_accept,
    "advance": case_advance,
    "send_back": case_send_back,
    "return_to_applicant": case_return,
    "suspend": case_suspend,
    "resume": case_resume,
    "extend": case_extend,
    "approve": case_approve,
    "deny": case_deny,
    "conclude": case_conclude,
}
