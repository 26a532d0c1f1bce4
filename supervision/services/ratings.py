"""好差评: the applicant grades a concluded case, once and with one follow-up; a bad grade opens a
return visit (回访) and a rectification (整改) that the department head records and the applicant
reads on the rating page (DESIGN.md §5).

Rule E1 watches ``return_visit_at`` and ``rectified_at``: a bad rating is a yellow card until it
is rectified, a red one when no return visit was made within a working day or no rectification
within 15 days.

Zones: ratings are given outside and copied inside (``evaluation.filed``), where rule E1 watches
them; the return visit and rectification are recorded inside and copied outside
(``evaluation.answered``), where the applicant reads them. The handlers are in supervision/exchange.py.
"""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.roles import Role
from portal.selectors import handles_department
from portal.zones import serves_external, serves_internal
from workflow.constants import CaseState
from workflow.exchange.packets import Kind
from workflow.exchange.services import packet_emit
from workflow.models import Case

from ..constants import BAD_GRADES, Grade
from ..models import Rating

logger = logging.getLogger(__name__)


def is_bad(rating: Rating) -> bool:
    return rating.grade in BAD_GRADES


def _text(text: str, message: str, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


@transaction.atomic
def rating_give(*, case: Case, user, grade: int, comment: str = "", follow_up: bool = False) -> Rating:
    """The applicant's rating of a concluded case (``follow_up``: their one later rating)."""
    # The case row is the lock: two clicks on "rate" wait for each other, and the second is refused.
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if not user.is_authenticated or locked.applicant_id != user.pk:
        raise PermissionDenied(_("Only the applicant rates case %(number)s.") % {"number": locked.number})
    if locked.state != CaseState.CONCLUDED:
        raise ValidationError(
            _("Case %(number)s is “%(state)s”: it can be rated once it is concluded.")
            % {"number": locked.number, "state": locked.get_state_display()}
        )
    if grade not in Grade.values:
        raise ValidationError({"grade": _("Choose one of the five grades.")})
    given = set(locked.ratings.values_list("is_follow_up", flat=True))
    if follow_up and False not in given:
        raise ValidationError(
            _("Rate case %(number)s first; a follow-up rating comes later.") % {"number": locked.number}
        )
    if True in given:
        raise ValidationError(
            _("You have rated case %(number)s and given your follow-up rating: it cannot be rated again.")
            % {"number": locked.number}
        )
    if not follow_up and False in given:
        raise ValidationError(
            _("You have already rated case %(number)s; you may give one follow-up rating.") % {"number": locked.number}
        )
    rating = Rating(
        case=locked,
        rater=user,
        department_id=locked.department_id,
        grade=grade,
        comment=(comment or "").strip(),
        is_follow_up=follow_up,
        rated_at=timezone.now(),
    )
    rating.full_clean()
    rating.save()
    logger.info(
        "rating_given case=%s grade=%s follow_up=%s department=%s",
        locked.number,
        grade,
        follow_up,
        rating.department_id,
    )
    if serves_external():
        # In the case's stream: the other zone applies it after the case's own packets.
        packet_emit(
            kind=Kind.EVALUATION_FILED,
            stream=locked.number,
            payload={
                "rating": str(rating.uuid),
                "case": locked.number,
                "account": user.username,
                "grade": rating.grade,
                "comment": rating.comment,
                "follow_up": rating.is_follow_up,
                "rated_at": rating.rated_at.isoformat(),
            },
        )
    return rating


def rating_follow_up(*, case: Case, user, grade: int, comment: str = "") -> Rating:
    """The applicant's one follow-up rating, after the first."""
    return rating_give(case=case, user=user, grade=grade, comment=comment, follow_up=True)


def may_handle(rating: Rating, user) -> bool:
    """The head of the rated department records the return visit and the rectification of a bad rating."""
    return is_bad(rating) and user.has_role(Role.DEPT_HEAD) and handles_department(user, rating.department_id)


def _emit_answered(rating: Rating) -> None:
    """What the applicant reads outside of a bad rating's follow-through, as it now stands."""
    if not serves_internal():
        return
    packet_emit(
        kind=Kind.EVALUATION_ANSWERED,
        stream=rating.case.number,
        payload={
            "rating": str(rating.uuid),
            "return_visit": rating.return_visit,
            "return_visit_at": rating.return_visit_at.isoformat() if rating.return_visit_at else None,
            "rectification": rating.rectification,
            "rectified_at": rating.rectified_at.isoformat() if rating.rectified_at else None,
        },
    )


def _locked_for_head(rating: Rating, user) -> Rating:
    locked = Rating.objects.select_for_update(of=("self",)).select_related("case").get(pk=rating.pk)
    if not (user.has_role(Role.DEPT_HEAD) and handles_department(user, locked.department_id)):
        raise PermissionDenied(_("Only the head of the rated department handles this rating."))
    if not is_bad(locked):
        raise ValidationError(_("Only a dissatisfied rating needs a return visit and a rectification."))
    return locked


@transaction.atomic
def rating_return_visit(*, rating: Rating, user, note: str) -> Rating:
    """回访: what the applicant said when the department contacted them about the bad rating."""
    locked = _locked_for_head(rating, user)
    if locked.return_visit_at is not None:
        raise ValidationError(_("The return visit has already been recorded."))
    locked.return_visit = _text(note, _("Write what the applicant said on the return visit."), "return_visit")
    locked.return_visit_at = timezone.now()
    locked.full_clean()
    locked.save(update_fields=["return_visit", "return_visit_at"])
    logger.info("rating_return_visit rating=%s case=%s by=%s", locked.pk, locked.case.number, user.pk)
    _emit_answered(locked)
    return locked


@transaction.atomic
def rating_rectify(*, rating: Rating, user, note: str) -> Rating:
    """整改: what the department changed; it follows the return visit and closes the matter for rule E1."""
    locked = _locked_for_head(rating, user)
    if locked.return_visit_at is None:
        raise ValidationError(_("Record the return visit first: the rectification answers what the applicant said."))
    if locked.rectified_at is not None:
        raise ValidationError(_("The rectification has already been recorded."))
    locked.rectification = _text(note, _("Write what the department has changed."), "rectification")
    locked.rectified_at = timezone.now()
    locked.full_clean()
    locked.save(update_fields=["rectification", "rectified_at"])
    logger.info("rating_rectified rating=%s case=%s by=%s", locked.pk, locked.case.number, user.pk)
    _emit_answered(locked)
    return locked
