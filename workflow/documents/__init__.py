"""The PDF documents a department issues, in Chinese, with the font embedded and the department's seal.

``layout`` lays out what every document shares and escapes every text put in; ``cases`` and
``penalties`` say what each kind says; ``seals`` signs the result.
"""

from django.conf import settings
from django.utils import translation

from ..models import Case, PenaltyCase
from .cases import case_letter
from .penalties import penalty_letter, yuan
from .seals import seal

__all__ = ["render_document", "render_penalty_decision", "yuan"]


def render_document(case: Case, kind: str) -> bytes:
    """One of the case's documents, in the portal's language, sealed by its department."""
    with translation.override(settings.LANGUAGE_CODE):
        letter = case_letter(case, kind)
        return seal(letter.render(), case.department, reason=letter.title)


def render_penalty_decision(case: PenaltyCase) -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        letter = penalty_letter(case)
        return seal(letter.render(), case.department, reason=letter.title)
