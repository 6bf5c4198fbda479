"""Phone numbers: one canonical form (E.164) for storage and lookup, and a masked
form for screens where the full number is not needed."""

from __future__ import annotations

import phonenumbers


class InvalidPhoneNumber(ValueError):
    """Raised with a message that never repeats the number itself."""


def normalise_phone(raw: str, region: str) -> str:
    """Return ``raw`` in E.164, reading national formats in ``region`` (ISO country).

    Accepts every *possible* number rather than only those the metadata knows to be
    allocated: numbering plans change faster than libraries, and a member must never be
    turned away because a new prefix is missing; the gateway reports undeliverable ones.
    """
    try:
        parsed = phonenumbers.parse(str(raw), region)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber("not a phone number") from None
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhoneNumber(f"not a possible phone number for {region}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """``+254190000001`` → ``•••001``: enough to tell two numbers apart, not to call."""
    if not e164:
        return ""
    return "•••" + e164[-3:]
