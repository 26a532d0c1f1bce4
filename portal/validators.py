"""Validators for the identity data citizens type in, with messages they can act on."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .text import unsafe_characters

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
ID_NUMBER_RE = re.compile(r"^\d{17}[\dX]$")
# GB 11643-1999: weights of the first 17 digits and the check character for each remainder.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


def validate_mobile(value: str) -> None:
    if not MOBILE_RE.match(value):
        raise ValidationError(
            _("Enter an 11-digit mainland mobile number starting with 1, such as 13812345678."),
            code="invalid_mobile",
        )


def id_number_check_char(first17: str) -> str:
    return ID_CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def validate_id_number(value: str) -> None:
    """Check a resident identity card number: 18 characters, a real birth date, its checksum."""
    if not ID_NUMBER_RE.match(value):
        raise ValidationError(
            _("An identity card number has 18 characters: 17 digits and a final digit or X."),
            code="invalid_id_format",
        )
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        birth = None
    if birth is None or not date(1900, 1, 1) <= birth <= timezone.localdate():
        raise ValidationError(
            _("The birth date in this identity card number (digits 7 to 14) is not a real date."),
            code="invalid_id_birth_date",
        )
    if id_number_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("This identity card number fails its check digit; please check it for a typing error."),
            code="invalid_id_checksum",
        )


def validate_plain_text(value: str) -> None:
    """Refuse control characters and bidirectional controls (see portal.text) in typed text."""
    found = unsafe_characters(value)
    if found:
        raise ValidationError(
            _(
                "The text holds invisible control characters (%(characters)s), which can make it display "
                "differently from what it says. Delete them and type the text again."
            ),
            code="unsafe_characters",
            params={"characters": ", ".join(found)},
        )
