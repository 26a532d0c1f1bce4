"""投诉: filing (citizens, on the web), recording (inspectors, by phone or on site), answering
(the head of the department complained about) and judging (inspectors), DESIGN.md §5.

    filed --complaint_answer--> answered --complaint_judge--> judged
    (the head may rewrite the answer until the complaint is judged)

Rule C1 watches ``state`` and ``due_at``: a filed complaint is a yellow card, past its due time
a red one, and the card clears once it is answered.

Zones: a web complaint is filed outside and copied inside (``complaint.filed``); its answer and
judgement are made inside and copied outside (``complaint.answered``), where the citizen reads
them. Phone and on-site complaints stay inside. The handlers are in supervision/exchange.py.
"""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Department
from portal.roles import Role
from portal.selectors import handles_department
from portal.validators import validate_mobile
from portal.zones import serves_external, serves_internal
from workflow.calendar import WorkingCalendar
from workflow.exchange.packets import Kind
from workflow.exchange.services import packet_emit
from workflow.models import Case
from workflow.services.numbers import number_next

from ..constants import ComplaintAbout, ComplaintSource, ComplaintState
from ..models import Complaint

logger = logging.getLogger(__name__)

# The department answers a complaint by the end of this working day after the day it was filed.
COMPLAINT_ANSWER_WORKING_DAYS = 5
STAFF_SOURCES = (ComplaintSource.PHONE, ComplaintSource.ON_SITE)
# Web complaints are numbered outside and phone or on-site ones inside, each zone from the counter
# in its own database: under one prefix the first of a day would be TS-…-000001 in both zones, and
# the web one could not be copied inside. Hence a prefix per source (and so per zone).
NUMBER_PREFIXES = {ComplaintSource.WEB: "TS", ComplaintSource.PHONE: "TSN", ComplaintSource.ON_SITE: "TSN"}


def _require(text: str, message: str, field: str | None = None) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: message} if field else message)
    return text


def _route(*, about: str, case: Case | None, department: Department | None, window: str):
    """The (case, department, window) a complaint is about: a case's own department answers for it."""
    window = (window or "").strip()
    if about == ComplaintAbout.CASE:
        if case is None:
            raise ValidationError({"case": _("Choose the case the complaint is about.")})
        return case, case.department, ""
    if about == ComplaintAbout.DEPARTMENT:
        if department is None:
            raise ValidationError({"department": _("Choose the department the complaint is about.")})
        return None, department, ""
    if about == ComplaintAbout.WINDOW:
        if department is None:
            raise ValidationError({"department": _("Choose the department whose window the complaint is about.")})
        if not window:
            raise ValidationError({"window": _("Give the window number, such as 3 or 3号窗口.")})
        return None, department, window
    raise ValidationError({"about": _("Say whether the complaint is about a case, a department or a window.")})


def _contact(name: str, mobile: str) -> tuple[str, str]:
    name = _require(name, _("Give the complainant's name."), "complainant_name")
    mobile = (mobile or "").strip()
    try:
        validate_mobile(mobile)
    except ValidationError as error:
        raise ValidationError({"complainant_mobile": error.messages}) from None
    return name, mobile


def complaint_due_at(filed_at):
    return WorkingCalendar().deadline(filed_at, COMPLAINT_ANSWER_WORKING_DAYS)


def _create(*, source: str, **fields) -> Complaint:
    filed_at = timezone.now()
    complaint = Complaint(
        number=number_next(prefix=NUMBER_PREFIXES[source], day=timezone.localdate(filed_at)),
        source=source,
        filed_at=filed_at,
        due_at=complaint_due_at(filed_at),
        state=ComplaintState.FILED,
        **fields,
    )
    return complaint_keep(complaint)


def complaint_keep(complaint: Complaint) -> Complaint:
    """Check and save a new complaint, filed here or copied from the other zone (supervision.exchange)."""
    complaint.full_clean()
    complaint.save()
    logger.info(
        "complaint_filed number=%s source=%s department=%s case=%s",
        complaint.number,
        complaint.source,
        complaint.department_id,
        complaint.case_id or "-",
    )
    return complaint


def _stream(complaint: Complaint) -> str:
    """A complaint about a case travels in the case's stream: the other zone applies it after the
    case's own packets, so the case is there by then; any other complaint has a stream of its own."""
    return complaint.case.number if complaint.case_id else complaint.number


def _emit_filed(complaint: Complaint) -> None:
    """The web complaint, for the department and the inspectors inside."""
    if not serves_external():
        return
    account = complaint.complainant
    payload = {
        "number": complaint.number,
        "about": complaint.about,
        "account": {
            "username": account.username,
            "name": account.name,
            "mobile": account.mobile,
            "id_number": account.id_number,
        },
        "complainant_name": complaint.complainant_name,
        "complainant_mobile": complaint.complainant_mobile,
        "department": complaint.department.code,
        "window": complaint.window,
        "content": complaint.content,
        "filed_at": complaint.filed_at.isoformat(),
        "due_at": complaint.due_at.isoformat(),
    }
    if complaint.case_id:
        payload["case"] = complaint.case.number
    packet_emit(kind=Kind.COMPLAINT_FILED, stream=_stream(complaint), payload=payload)


def _emit_answered(complaint: Complaint) -> None:
    """The answer (and judgement) the complainant reads outside; only a web complaint has a complainant
    there: phone and on-site ones were never sent out."""
    if not serves_internal() or complaint.source != ComplaintSource.WEB:
        return
    packet_emit(
        kind=Kind.COMPLAINT_ANSWERED,
        stream=_stream(complaint),
        payload={
            "number": complaint.number,
            "state": complaint.state,
            "answer": complaint.answer,
            "answered_at": complaint.answered_at.isoformat(),
            "upheld": complaint.upheld,
            "judged_at": complaint.judged_at.isoformat() if complaint.judged_at else None,
        },
    )


@transaction.atomic
def complaint_file(
    *,
    complainant,
    about: str,
    content: str,
    case: Case | None = None,
    department: Department | None = None,
    window: str = "",
    complainant_name: str = "",
    complainant_mobile: str = "",
) -> Complaint:
    """A citizen's complaint on the web, about one of their own cases, a department or a window.

    The name and mobile number default to the account's.
    """
    if not complainant.is_authenticated or not complainant.has_role(Role.CITIZEN):
        raise PermissionDenied(_("Only a citizen's account can file a complaint online."))
    if about == ComplaintAbout.CASE and case is not None and case.applicant_id != complainant.pk:
        raise PermissionDenied(_("You can only complain about your own cases."))
    case, department, window = _route(about=about, case=case, department=department, window=window)
    name, mobile = _contact(complainant_name or complainant.name, complainant_mobile or complainant.mobile)
    complaint = _create(
        source=ComplaintSource.WEB,
        about=about,
        complainant=complainant,
        complainant_name=name,
        complainant_mobile=mobile,
        case=case,
        department=department,
        window=window,
        content=_require(content, _("Say what happened."), "content"),
    )
    _emit_filed(complaint)
    return complaint


@transaction.atomic
def complaint_record(
    *,
    recorder,
    source: str,
    about: str,
    complainant_name: str,
    complainant_mobile: str,
    content: str,
    case: Case | None = None,
    department: Department | None = None,
    window: str = "",
) -> Complaint:
    """An inspector writes down a complaint received by phone or on site."""
    if not recorder.has_role(Role.INSPECTOR):
        raise PermissionDenied(_("Only discipline inspectors record complaints received by phone or on site."))
    if source not in STAFF_SOURCES:
        raise ValidationError({"source": _("A recorded complaint was received by phone or on site.")})
    case, department, window = _route(about=about, case=case, department=department, window=window)
    name, mobile = _contact(complainant_name, complainant_mobile)
    return _create(
        source=source,
        about=about,
        complainant=None,
        complainant_name=name,
        complainant_mobile=mobile,
        case=case,
        department=department,
        window=window,
        content=_require(content, _("Say what happened."), "content"),
        recorded_by=recorder,
    )


def may_answer(complaint: Complaint, user) -> bool:
    """The head of the department complained about, until the complaint is judged."""
    return (
        complaint.state != ComplaintState.JUDGED
        and user.has_role(Role.DEPT_HEAD)
        and handles_department(user, complaint.department_id)
    )


def may_judge(complaint: Complaint, user) -> bool:
    return complaint.state == ComplaintState.ANSWERED and user.has_role(Role.INSPECTOR)


def _locked(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


@transaction.atomic
def complaint_answer(*, complaint: Complaint, user, answer: str) -> Complaint:
    """The department head's answer; it may be rewritten until an inspector judges the complaint."""
    locked = _locked(complaint)
    if not (user.has_role(Role.DEPT_HEAD) and handles_department(user, locked.department_id)):
        raise PermissionDenied(
            _("Only the head of %(department)s answers complaint %(number)s.")
            % {"department": locked.department, "number": locked.number}
        )
    if locked.state == ComplaintState.JUDGED:
        raise ValidationError(
            _("Complaint %(number)s has been judged: its answer can no longer change.") % {"number": locked.number}
        )
    locked.answer = _require(answer, _("Write the answer to the complainant."), "answer")
    locked.answered_by, locked.answered_at = user, timezone.now()
    locked.state = ComplaintState.ANSWERED
    locked.full_clean()
    locked.save()
    logger.info(
        "complaint_answered number=%s by=%s late=%s", locked.number, user.pk, locked.answered_at > locked.due_at
    )
    _emit_answered(locked)
    return locked


@transaction.atomic
def complaint_judge(*, complaint: Complaint, user, upheld: bool) -> Complaint:
    """An inspector judges an answered complaint upheld (成立) or not; upheld ones count against the
    department in its monthly score."""
    locked = _locked(complaint)
    if not user.has_role(Role.INSPECTOR):
        raise PermissionDenied(_("Only discipline inspectors judge complaints."))
    if locked.state == ComplaintState.FILED:
        raise ValidationError(
            _("Complaint %(number)s has not been answered yet: judge it once the department has answered.")
            % {"number": locked.number}
        )
    if locked.state == ComplaintState.JUDGED:
        raise ValidationError(_("Complaint %(number)s has already been judged.") % {"number": locked.number})
    if upheld not in (True, False):
        raise ValidationError({"upheld": _("Say whether the complaint is upheld.")})
    locked.upheld, locked.judged_by, locked.judged_at = upheld, user, timezone.now()
    locked.state = ComplaintState.JUDGED
    locked.full_clean()
    locked.save()
    logger.info("complaint_judged number=%s upheld=%s by=%s", locked.number, upheld, user.pk)
    _emit_answered(locked)
    return locked
