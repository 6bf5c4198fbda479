"""Phone numbers: one canonical form (E.164) for storage and lookup, and a masked
form for screens where the full number is not needed."""

from __future__ import annotations

from typing import Any

import phonenumbers
from django.db import models


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


def normalise_for_organisation(instance: Any, raw: str) -> str:
    """``Sealed`` normaliser: read the number in the owning organisation's country."""
    return normalise_phone(raw, instance.organisation.country)


class PhoneIndexedQuerySet(models.QuerySet):
    """For models that keep an encrypted phone with a ``phone_index`` HMAC column."""

    def with_phone(self, organisation: Any, raw: str) -> PhoneIndexedQuerySet:
        """Rows of ``organisation`` whose number is ``raw``, written in any format."""
        e164 = normalise_phone(raw, organisation.country)
        return self.filter(organisation=organisation, phone_index=organisation.keyring.index(e164))
