"""Characters that have no place in a name, a catalogue cell or any text a person types here.

- Control characters other than tab and line breaks (NUL, backspace, escape, the C1 block …):
  PostgreSQL refuses NUL in text, XML (so XLSX) refuses the C0 ones, and none of them is text.
- Bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C): a Chinese portal
  has no right-to-left text, and these make a name display backwards or out of order
  ("Trojan Source"), so that a clerk reads something else than what is stored.
- U+FFFE, U+FFFF and lone surrogates, which are no characters at all.

Input refuses them (``portal.validators.validate_plain_text``, the catalogue import); display and
exports replace what was stored before (``portal.middleware.UnsafeTextMiddleware``,
``portal.exports``).
"""

import re

CONTROL_CHARACTERS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
NON_CHARACTERS = "\ufffe\uffff\ud800-\udfff"
UNSAFE_CHARACTERS = re.compile(f"[{CONTROL_CHARACTERS}{BIDI_CONTROLS}{NON_CHARACTERS}]")


def unsafe_characters(text: str) -> list[str]:
    """The unsafe characters of ``text``, each once, as code points a person can read (U+202E)."""
    return sorted({f"U+{ord(char):04X}" for char in UNSAFE_CHARACTERS.findall(text)})
