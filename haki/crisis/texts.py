"""The texts of the core loop. Neutral wherever a seized phone could show them."""

from django.utils.translation import gettext_lazy as _

TEXTS = {
    "alert.responder": _("{ref}: {alias} needs help in {area}. {words}{phone}Reply ACK {ref}"),
    "alert.member": _("Received. Someone will contact you soon."),
    "ack.confirm": _(
        "You have {ref}: {alias} in {area}. {phone}Send DONE {ref} and the outcome when finished."
    ),
    "ack.others": _("{ref} was taken by {name}. Thank you."),
    "ack.member": _("Someone is coming to help you."),
    "ack.taken": _("{ref} was already taken by {name}."),
    "ack.unknown": _("There is no open alert {ref}."),
    "ack.not_alerted": _("You were not asked to respond to {ref}."),
    "done.confirm": _("{ref} is closed. Thank you."),
    "done.member": _("We hope you are safe. Write any time if you need help."),
    "duty.on": _("You are now on duty."),
    "duty.off": _("You are now off duty."),
    "channel.failing": _(
        "{name} has failed since {since}: texts through it are not going out. Check the gateway."
    ),
}
