"""行政处罚决定书: legal basis, the standard applied, the fine and the party's remedies."""

from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

from ..models import PenaltyCase
from .cases import remedies
from .layout import Letter


def yuan(amount) -> str:
    """An amount as the catalogue shows it: 60001, or 60001.50 when there are fen."""
    return floatformat(amount, "-2")


def _body(case: PenaltyCase) -> list[str]:
    standard = case.standard
    paragraphs = [
        _("Facts found: %(facts)s") % {"facts": case.facts},
        _("The above violates the law; legal basis: %(basis)s") % {"basis": case.item.legal_basis},
        _(
            "Discretion standard applied: %(level)s circumstances (%(circumstances)s), a fine of %(min)s to %(max)s "
            "yuan."
        )
        % {
            "level": standard.get_level_display(),
            "circumstances": standard.circumstances,
            "min": yuan(standard.amount_min),
            "max": yuan(standard.amount_max),
        },
        _("Decision: %(decision)s A fine of %(amount)s yuan is imposed.")
        % {"decision": case.decision, "amount": yuan(case.amount)},
    ]
    if standard.other_sanctions:
        paragraphs.append(_("Other sanctions: %(sanctions)s") % {"sanctions": standard.other_sanctions})
    if case.out_of_range:
        paragraphs.append(
            _("Reasons for departing from the standard's range: %(justification)s")
            % {"justification": case.justification}
        )
    paragraphs += [
        _("Pay the fine within 15 days of receiving this decision (Administrative Penalty Law, Article 67)."),
        remedies(),
    ]
    return paragraphs


def penalty_letter(case: PenaltyCase) -> Letter:
    return Letter(
        department=case.department.name,
        title=_("Administrative penalty decision"),
        number=case.number,
        paragraphs=_body(case),
        facts=[
            (_("Case number"), case.number),
            (_("Party"), case.party_name),
            (_("Identity card or credit code"), case.party_id_number),
            (_("Address"), case.party_address or "—"),
            (_("Cause"), f"{case.item.name}（{case.item.code}）"),
        ],
    )
