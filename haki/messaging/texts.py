"""Every text Haki sends, in neutral words by default: nothing on a seized phone
should reveal what the number is for. An organisation may reword any of them per
language (``MessageTemplate``); placeholders are written {like_this}."""

from __future__ import annotations

import re
from datetime import datetime

from django.utils import translation
from django.utils.translation import gettext_lazy as _

DEFAULTS = {
    "join.welcome": _("Welcome, you are registered. Send STOP at any time to stop messages."),
    "join.already": _("This number is already registered."),
    "join.area": _(
        "To register, send JOIN followed by your area code, for example: JOIN {example}"
    ),
    "stop.confirm": _("You will receive no more messages. Send START to receive them again."),
    "start.confirm": _("Welcome back, you will receive messages again."),
    "lang.confirm": _("Your language is now English."),
    "lang.unknown": _("Send LANG followed by one of: {languages}"),
    "delete.confirm": _("Send DELETE YES to erase your number and details. This cannot be undone."),
    "delete.done": _("Your details have been erased. Goodbye."),
    "unknown.member": _("Thank you, your message was received."),
    "unknown.number": _("This number is not registered. Send JOIN and your area code to register."),
}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def render(organisation, key: str, language: str, **values: object) -> str:
    """The text for ``key`` in ``language``: the organisation's wording if it has one,
    else the translated default. Unknown placeholders are left as they are."""
    from haki.messaging.routing import remembered

    own = remembered(
        ("templates", organisation.pk), lambda: templates_of(organisation), lasting=True
    )
    with translation.override(language):
        template = own[key, language] if (key, language) in own else str(DEFAULTS[key])
        return PLACEHOLDER.sub(
            lambda m: shown(organisation, values.get(m.group(1), m.group(0))), template
        )


def templates_of(organisation) -> dict[tuple[str, str], str]:
    """The organisation's own wordings, by key and language."""
    rows = organisation.message_templates.all()
    return {(row.key, row.language): row.text for row in rows}


def shown(organisation, value: object) -> str:
    """A placeholder's value as the text says it (a translatable word in the text's
    language); a moment in the organisation's time zone, which its readers live by."""
    if isinstance(value, datetime):
        return f"{value.astimezone(organisation.tzinfo):%Y-%m-%d %H:%M}"
    return str(value)


def queue_text(
    organisation,
    to: str,
    key: str,
    language: str,
    *,
    member=None,
    channel=None,
    in_reply_to=None,
    priority: int | None = None,
    may_wait: bool = False,
    **values: object,
):
    """Render text ``key`` in ``language`` and put it in the outbox (``outbox.queue``)."""
    from haki.messaging import outbox

    text = " ".join(render(organisation, key, language, **values).split())
    return outbox.queue(
        organisation,
        to,
        text,
        template=key,
        member=member,
        language=language,
        channel=channel,
        in_reply_to=in_reply_to,
        priority=priority,
        may_wait=may_wait,
    )


def queue_urgent_text(organisation, to: str, key: str, language: str, **options: object):
    """``queue_text`` in the priority lane: an alert, an escalation, an acknowledgement
    goes ahead of every poll and broadcast waiting on the same channel."""
    from haki.messaging.models import Msg

    return queue_text(organisation, to, key, language, priority=Msg.Priority.URGENT, **options)
