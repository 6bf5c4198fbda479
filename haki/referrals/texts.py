"""The texts of referrals. Slips and reminders name the place, never why: a shared or
seized phone shows an appointment, nothing more."""

from django.utils.translation import gettext_lazy as _

TEXTS = {
    "referral.slip": _(
        "Your code {code}. {service}, {address}. Open {hours}. Show this code there."
    ),
    "referral.reminder": _("Reminder: code {code}, {service}, {address}. Open {hours}."),
    "referral.police_code": _(
        "Code {code}: write it on a card. {service}, {address}, {hours}. Valid {days} days."
    ),
    "referral.no_service": _("No service of that kind is listed near that area."),
    "referral.refer_usage": _("Send REFER, the kind of service and an area code, e.g. {example}"),
    "referral.seen_done": _("Thank you, code {code} is confirmed."),
    "referral.not_valid": _("That code cannot be used."),
    "referral.services": _("{services} Reply with the code of a place to get a slip."),
    "entitlement.status": _("Update on your {kind} application: {status}."),
}
