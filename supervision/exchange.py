"""What a zone does with the complaint, rating and ranking packets of the other (DESIGN.md §2, §5).

Inside, a web complaint and a rating from outside become the same rows — the complaint under its
number, the rating under its UUID — for the department head, the inspectors and rules C1 and E1,
which the next sweep applies to them as to any other. Outside, the answer and judgement of a
complaint and the follow-through of a bad rating update the copies the citizen reads, and the
month's ranking replaces the public one (/public/rankings/). The row
was checked by the service that made it in the other zone: it is copied, not decided again.
Packets the zone sent itself (the single zone's loopback) change nothing.
"""

import logging
from datetime import date
from decimal import Decimal

from portal.models import Department, User
from portal.services import citizen_account, department_copy
from workflow.exchange.packets import Kind, moment
from workflow.exchange.services import handles, sent_here
from workflow.models import Case

from .constants import ComplaintSource
from .models import Complaint, DepartmentScore, Rating
from .services.complaints import complaint_keep

logger = logging.getLogger(__name__)


# Inside: what the citizen filed outside -----------------------------------------------------------


@handles(Kind.COMPLAINT_FILED)
def complaint_filed_apply(packet) -> None:
    if sent_here(packet):
        return
    payload = packet.payload
    complaint_keep(
        Complaint(
            number=payload["number"],
            source=ComplaintSource.WEB,
            about=payload["about"],
            complainant=citizen_account(**payload["account"]),
            complainant_name=payload["complainant_name"],
            complainant_mobile=payload["complainant_mobile"],
            case=Case.objects.get(number=payload["case"]) if "case" in payload else None,
            # Routed outside (a case's complaint goes to the case's department): kept as it was sent.
            department=Department.objects.get(code=payload["department"]),
            window=payload["window"],
            content=payload["content"],
            filed_at=moment(payload["filed_at"]),
            due_at=moment(payload["due_at"]),
        )
    )


@handles(Kind.EVALUATION_FILED)
def evaluation_filed_apply(packet) -> None:
    if sent_here(packet):
        return
    payload = packet.payload
    case = Case.objects.get(number=payload["case"])
    rating = Rating(
        uuid=payload["rating"],
        case=case,
        # The applicant, known here since their case came in.
        rater=User.objects.get(username=payload["account"]),
        department_id=case.department_id,
        grade=payload["grade"],
        comment=payload["comment"],
        is_follow_up=payload["follow_up"],
        rated_at=moment(payload["rated_at"]),
    )
    rating.full_clean()
    rating.save()
    logger.info(
        "rating_given case=%s grade=%s follow_up=%s department=%s",
        case.number,
        rating.grade,
        rating.is_follow_up,
        rating.department_id,
    )


# Outside: what the departments and inspectors did inside -------------------------------------------


@handles(Kind.COMPLAINT_ANSWERED)
def complaint_answered_apply(packet) -> None:
    if sent_here(packet):
        return
    payload = packet.payload
    complaint = Complaint.objects.select_for_update().filter(number=payload["number"]).first()
    if complaint is None:
        # Made inside (the demo's): the external zone copies only what citizens filed there.
        return
    complaint.state, complaint.answer = payload["state"], payload["answer"]
    complaint.answered_at = moment(payload["answered_at"])
    # Who answered and judged are staff of the internal zone, with no account here.
    complaint.upheld, complaint.judged_at = payload["upheld"], moment(payload["judged_at"])
    complaint.full_clean()
    complaint.save(update_fields=["state", "answer", "answered_at", "upheld", "judged_at"])


@handles(Kind.EVALUATION_ANSWERED)
def evaluation_answered_apply(packet) -> None:
    if sent_here(packet):
        return
    payload = packet.payload
    rating = Rating.objects.select_for_update().filter(uuid=payload["rating"]).first()
    if rating is None:  # made inside, as above
        return
    rating.return_visit, rating.return_visit_at = payload["return_visit"], moment(payload["return_visit_at"])
    rating.rectification, rating.rectified_at = payload["rectification"], moment(payload["rectified_at"])
    rating.full_clean()
    rating.save(update_fields=["return_visit", "return_visit_at", "rectification", "rectified_at"])


@handles(Kind.RANKING_PUBLISHED)
def ranking_published_apply(packet) -> None:
    """The month's public ranking outside, replacing any earlier one of that month."""
    if sent_here(packet):
        return
    payload = packet.payload
    month, computed_at = date.fromisoformat(payload["month"]), moment(payload["computed_at"])
    rows = [
        DepartmentScore(
            department=department_copy(**row["department"]),
            month=month,
            score=Decimal(row["score"]),
            rank=row["rank"],
            concluded=row["concluded"],
            on_time=row["on_time"],
            computed_at=computed_at,
        )
        for row in payload["scores"]
    ]
    DepartmentScore.objects.filter(month=month).exclude(department__in=[row.department for row in rows]).delete()
    DepartmentScore.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["department", "month"],
        update_fields=["score", "rank", "concluded", "on_time", "computed_at"],
    )
