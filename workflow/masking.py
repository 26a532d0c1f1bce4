"""Masking a party's personal data for publication (行政处罚决定公开): names, ID numbers, mobiles."""

import re

MASK = "*"
# An identity card number (18 characters, the last a digit or X) or a mobile number, in free text.
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def mask_name(name: str) -> str:
    """张三 → 张**: the surname only, and nothing about the length of the given name."""
    name = name.strip()
    return f"{name[0]}{MASK * 2}" if name else ""


def mask_id_number(number: str) -> str:
    """The first four and the last four characters: 1101**********123X (the birth date is gone)."""
    number = number.strip()
    if len(number) <= 8:
        return MASK * len(number)
    return number[:4] + MASK * (len(number) - 8) + number[-4:]


def mask_mobile(mobile: str) -> str:
    """13812345678 → 138****5678."""
    mobile = mobile.strip()
    if len(mobile) != 11:
        return MASK * len(mobile)
    return mobile[:3] + MASK * 4 + mobile[-4:]


def mask_text(text: str, *, names: tuple[str, ...] = ()) -> str:
    """Free text as published: the given names, and any ID or mobile number in it, masked."""
    for name in filter(None, (name.strip() for name in names)):
        text = text.replace(name, mask_name(name))
    text = ID_NUMBER.sub(lambda match: mask_id_number(match.group()), text)
    return MOBILE.sub(lambda match: mask_mobile(match.group()), text)


def publication(case) -> dict:
    """What the public may read of a decided penalty case, as JSON (strings only): the party's name,
    identity card and mobile numbers masked, and masked inside the facts and the decision too."""
    names = (case.party_name,)
    return {
        "number": case.number,
        "decided_at": case.decided_at.isoformat(),
        "department": case.department.name,
        "item_code": case.item.code,
        "item_name": case.item.name,
        "legal_basis": case.item.legal_basis,
        "level": case.level,
        "party": mask_name(case.party_name),
        "id_number": mask_id_number(case.party_id_number),
        "mobile": mask_mobile(case.party_mobile),
        "facts": mask_text(case.facts, names=names),
        "decision": mask_text(case.decision, names=names),
        "amount": str(case.amount),
    }
