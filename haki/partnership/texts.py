"""The partnership's texts: the reminder to an action's owner names the action and
its day, nothing about members."""

from django.utils.translation import gettext_lazy as _

TEXTS = {
    "plans.reminder": _("Reminder: {action} is due on {due}."),
}
