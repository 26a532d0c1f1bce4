"""Penalty cases (行政处罚): receiving a clue and every transition after it (see workflow.penalty_flows).

As for licensing cases, each service locks the case row, refuses a stale page, fires the
transition, saves and writes the trail entry in the same transaction. Discretion: the officer
picks the circumstance level, which names the row of the item's standard applied; a fine outside
that row's range needs a written justification, and is then kept for rule P2. No justification
takes a fine outside the range the law sets for the item (``PowerItem.legal_fine_min/max``).
"""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.roles import Role
from portal.selectors import handles_department
from powers.constants import Category, Status
from powers.models import DiscretionStandard, PowerItem

from ..documents import render_penalty_decision, yuan
from ..exchange.packets import Kind
from ..exchange.services import handles, packet_emit
from ..masking import publication
from ..models import CauseChange, PenaltyCase, PublishedPenalty
from ..penalty_flows import acting_role, needs_legal_review
from .numbers import number_next
from .trail import trail_append
from .transitions import fired, require


def _check_item(item: PowerItem, department_id: int | None = None) -> None:
    """A published penalty item (of ``department_id``, when given): the only kind a case can be about."""
    elsewhere = department_id is not None and item.department_id != department_id
    if item.category != Category.PENALTY or item.status != Status.PUBLISHED or elsewhere:
        raise ValidationError(_("Choose a published penalty item of the case's department."))


@transaction.atomic
def penalty_case_open(
    *,
    user,
    item: PowerItem,
    party_name: str,
    party_id_number: str,
    clue: str,
    party_mobile: str = "",
    party_address: str = "",
    client_address: str | None = None,
) -> PenaltyCase:
    """A law-enforcement officer records a clue (线索) against a penalty item of their department."""
    if not (user.has_role(Role.LAW_ENFORCER) and handles_department(user, item.department_id)):
        raise PermissionDenied(_("Only the department's law-enforcement officers record clues."))
    _check_item(item)
    clue = require(clue, _("Describe the clue: where it came from and what it says."))
    now = timezone.now()
    case = PenaltyCase(
        number=number_next(prefix="CF", day=timezone.localdate(now)),
        item=item,
        department_id=item.department_id,
        party_name=party_name.strip(),
        party_id_number=party_id_number.strip().upper(),
        party_mobile=party_mobile.strip(),
        party_address=party_address.strip(),
        clue=clue,
        received_at=now,
    )
    case.full_clean(exclude=["number"])
    case.save()
    trail_append(
        penalty_case=case,
        actor=user,
        role=Role.LAW_ENFORCER,
        action="receive",
        from_state="",
        to_state=case.state,
        step_name="",
        opinion=clue,
        client_address=client_address,
        at=now,
    )
    return case


@contextmanager
def _transition(
    case: PenaltyCase, user, action: str, *, opinion: str, revision: int | None, client_address: str | None
) -> Iterator[PenaltyCase]:
    """Lock, check and fire ``action``; the caller updates the locked case inside; then save and trail."""
    opinion = require(opinion, _("Write an opinion (办理意见): it goes into the case's trail."))
    locked = PenaltyCase.objects.select_for_update(of=("self",)).select_related("item").get(pk=case.pk)
    with fired(locked, user, action, revision=revision) as from_state:
        yield locked
    trail_append(
        penalty_case=locked,
        actor=user,
        role=acting_role(action),
        action=action,
        from_state=from_state,
        to_state=locked.state,
        step_name="",
        opinion=opinion,
        client_address=client_address,
    )
    case.refresh_from_db()


def _simple(action: str, moment_field: str | None = None):
    """A service that only fires ``action`` (and notes when, in ``moment_field``), with an opinion."""

    @transaction.atomic
    def service(*, case: PenaltyCase, user, opinion: str, revision=None, client_address=None) -> PenaltyCase:
        with _transition(
            case, user, action, opinion=opinion, revision=revision, client_address=client_address
        ) as locked:
            if moment_field:
                setattr(locked, moment_field, timezone.now())
        return case

    service.__name__ = f"penalty_{action}"
    return service


penalty_register = _simple("register", "registered_at")
penalty_investigate = _simple("investigate")
penalty_request_hearing = _simple("request_hearing")
# 法制审核: the officer submits the case, the legal reviewer passes it or returns it with the
# opinion, which the trail keeps (penalty_flows.needs_legal_review says when it is required).
penalty_submit_review = _simple("submit_review")
penalty_pass_review = _simple("pass_review")
penalty_return_review = _simple("return_review")
penalty_execute = _simple("execute", "executed_at")
penalty_close = _simple("close", "closed_at")


@transaction.atomic
def penalty_not_register(*, case: PenaltyCase, user, reason: str, revision=None, client_address=None) -> PenaltyCase:
    """不予立案: the reason is required (rule P1 yellow)."""
    reason = require(reason, _("Give the reason for not registering the case."))
    with _transition(
        case, user, "not_register", opinion=reason, revision=revision, client_address=client_address
    ) as locked:
        locked.reason, locked.not_registered_at = reason, timezone.now()
    return case


@transaction.atomic
def penalty_revoke(*, case: PenaltyCase, user, reason: str, revision=None, client_address=None) -> PenaltyCase:
    """撤销立案 by the department head: the reason is required (rule P1 red)."""
    reason = require(reason, _("Give the reason for revoking the registration."))
    with _transition(case, user, "revoke", opinion=reason, revision=revision, client_address=client_address) as locked:
        locked.reason, locked.revoked_at = reason, timezone.now()
    return case


@transaction.atomic
def penalty_change_cause(
    *, case: PenaltyCase, user, item: PowerItem, reason: str, revision=None, client_address=None
) -> PenaltyCase:
    """变更案由: another penalty item of the department; the old and new causes are kept (rule P1 yellow)."""
    reason = require(reason, _("Give the reason for changing the cause."))
    _check_item(item, case.department_id)
    if item.pk == case.item_id:
        raise ValidationError(_("The new cause is the same as the old one."))
    opinion = _("Cause changed from %(old)s to %(new)s: %(reason)s") % {
        "old": case.item.name,
        "new": item.name,
        "reason": reason,
    }
    with _transition(
        case, user, "change_cause", opinion=opinion, revision=revision, client_address=client_address
    ) as locked:
        now = timezone.now()
        CauseChange.objects.create(
            case=locked, old_item=locked.item, new_item=item, reason=reason, changed_by=user, changed_at=now
        )
        locked.item, locked.cause_changed_at = item, now
    return case


def _standard(case: PenaltyCase, level: str) -> DiscretionStandard:
    standard = case.item.standards.filter(level=level).first()
    if standard is None:
        raise ValidationError(_("The item's discretion standard has no such circumstance level."))
    return standard


def _check_amount(standard: DiscretionStandard, amount: Decimal | None, justification: str) -> bool:
    """Whether ``amount`` is outside the standard's range. Outside the law's range it is refused
    whatever the justification; outside the standard's, refused without one, and refused too when
    the catalogue does not record the law's highest fine to hold the departure against."""
    if amount is None or amount < 0:
        raise ValidationError(_("Give the fine in yuan (0 for none)."))
    item = standard.item
    if not item.fine_within_law(amount):
        raise ValidationError(
            _(
                "A fine of %(amount)s yuan is outside the range of fines the law sets for this violation "
                "(%(range)s): no justification can allow it."
            )
            % {"amount": yuan(amount), "range": _legal_range(item)}
        )
    outside = not standard.amount_min <= amount <= standard.amount_max
    if outside and not justification.strip():
        raise ValidationError(
            _(
                "A fine of %(amount)s yuan is outside the range of the standard applied (%(level)s: %(min)s–%(max)s "
                "yuan): write the justification for departing from it."
            )
            % {
                "amount": yuan(amount),
                "level": standard.get_level_display(),
                "min": yuan(standard.amount_min),
                "max": yuan(standard.amount_max),
            }
        )
    if outside and item.legal_fine_max is None:
        raise ValidationError(
            _(
                "The catalogue does not record the highest fine the law sets for this item, so a fine outside the "
                "standard applied (%(min)s–%(max)s yuan) cannot be checked against the law: keep within the standard, "
                "or have the catalogue administrator record the statutory range."
            )
            % {"min": yuan(standard.amount_min), "max": yuan(standard.amount_max)}
        )
    return outside


def _legal_range(item: PowerItem) -> str:
    if item.legal_fine_min is None:
        return _("at most %(max)s yuan") % {"max": yuan(item.legal_fine_max)}
    if item.legal_fine_max is None:
        return _("at least %(min)s yuan") % {"min": yuan(item.legal_fine_min)}
    return _("%(min)s–%(max)s yuan") % {"min": yuan(item.legal_fine_min), "max": yuan(item.legal_fine_max)}


@transaction.atomic
def penalty_inform(
    *,
    case: PenaltyCase,
    user,
    facts: str,
    level: str,
    proposed_amount: Decimal | None,
    opinion: str,
    justification: str = "",
    revision=None,
    client_address=None,
) -> PenaltyCase:
    """告知: the facts found, the circumstance level (the standard applied) and the proposed fine."""
    facts = require(facts, _("Record the facts found."))
    standard = _standard(case, level)
    _check_amount(standard, proposed_amount, justification)
    with _transition(case, user, "inform", opinion=opinion, revision=revision, client_address=client_address) as locked:
        locked.facts, locked.level, locked.standard = facts, level, standard
        locked.proposed_amount, locked.justification = proposed_amount, justification.strip()
        locked.informed_at = timezone.now()
    return case


@transaction.atomic
def penalty_decide(
    *,
    case: PenaltyCase,
    user,
    amount: Decimal | None,
    decision: str,
    justification: str = "",
    revision=None,
    client_address=None,
) -> PenaltyCase:
    """处罚决定 by the department head; the decision document (PDF) is issued with it."""
    decision = require(decision, _("Write the decision."))
    if case.trail.filter(actor=user, action="pass_review").exists():
        raise PermissionDenied(_("The legal reviewer of a case does not also decide it."))
    with _transition(
        case, user, "decide", opinion=decision, revision=revision, client_address=client_address
    ) as locked:
        locked.out_of_range = _check_amount(locked.standard, amount, justification)
        # Reaching the decision passed the legal review when the item needs one: it passed this proposal.
        reviewed = locked.proposed_amount
        if needs_legal_review(locked) and amount > reviewed:
            raise ValidationError(
                _(
                    "The legal review passed a fine of %(reviewed)s yuan: a heavier one (%(amount)s yuan) needs the "
                    "party informed and the case reviewed again."
                )
                % {"reviewed": yuan(reviewed), "amount": yuan(amount)}
            )
        locked.amount, locked.decision = amount, decision
        locked.justification = justification.strip()
        locked.decided_at = timezone.now()
        content = render_penalty_decision(locked)
        locked.decision_sha256 = hashlib.sha256(content).hexdigest()
        locked.decision_document.save(f"{locked.number}-decision.pdf", ContentFile(content), save=False)
    _publish(case)
    return case


# Publication (行政处罚决定公示) ------------------------------------------------------------------------


def _publish(case: PenaltyCase) -> None:
    """The masked copy for the public page, here and, through the exchange, on the external zone."""
    fields = publication(case)
    PublishedPenalty.objects.create(**_published_fields(fields))
    packet_emit(kind=Kind.PENALTY_PUBLISHED, stream=case.number, payload={"number": case.number, "decision": fields})


def _published_fields(fields: dict) -> dict:
    return {
        **fields,
        "decided_at": datetime.fromisoformat(fields["decided_at"]),
        "amount": Decimal(fields["amount"]),
    }


@handles(Kind.PENALTY_PUBLISHED)
def penalty_published_apply(packet) -> None:
    """The external zone's copy of a decision; in a single zone the row is already there."""
    PublishedPenalty.objects.get_or_create(
        number=packet.payload["number"], defaults=_published_fields(packet.payload["decision"])
    )


# Service per action name, for the case page's one transition view.
SERVICES = {
    "register": penalty_register,
    "not_register": penalty_not_register,
    "investigate": penalty_investigate,
    "change_cause": penalty_change_cause,
    "inform": penalty_inform,
    "request_hearing": penalty_request_hearing,
    "submit_review": penalty_submit_review,
    "pass_review": penalty_pass_review,
    "return_review": penalty_return_review,
    "decide": penalty_decide,
    "execute": penalty_execute,
    "close": penalty_close,
    "revoke": penalty_revoke,
}
