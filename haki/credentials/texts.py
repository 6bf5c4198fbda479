"""What a check by SMS answers, in neutral words: valid, expired or revoked, the
organisation's public name, the role and the expiry date; never who carries the card."""

from django.utils.translation import gettext_lazy as _

TEXTS = {
    "credential.valid": _("{code}: VALID. {name}, {role}, valid until {until}."),
    "credential.expired": _("{code}: EXPIRED on {until}. {name}, {role}."),
    "credential.revoked": _("{code}: REVOKED, not valid. {name}, {role}."),
    "credential.not_yet_valid": _("{code}: NOT VALID YET (from {since}). {name}, {role}."),
    "credential.unknown": _("{code}: no card has this code. Check the code and send it again."),
    "credential.how": _(
        "Send CHECK and the code printed on the card, for example: CHECK K7Q2-8XM4"
    ),
    "credential.limit": _("Too many checks from this number. Please try again later."),
}
