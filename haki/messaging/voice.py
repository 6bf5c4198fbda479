"""Missed calls ("flashes"), from any gateway that carries calls: the cheapest signal
a member can send, with no credit and no time to type.

The order is the texts' (``inbound.py``): the channel identified and the request
checked first, then the call stored, then the answer, which never picks up: a
``<Reject/>`` costs the caller nothing. A call is stored as an incoming message whose
template says it is a call, once per gateway session (a repeated callback is skipped
by the unique channel and id), and routed by the worker like a text
(``haki.crisis.flash``). While the database or the organisation's keys are out of
reach, it is spooled like a text and handled once they are back."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

from haki.core.crypto import KeysUnavailable
from haki.messaging import spool
from haki.messaging.channels import BadRequest, Gateway
from haki.messaging.models import Channel

logger = logging.getLogger(__name__)

# What a channel needs to send texts itself. A number kept for calls or a USSD service
# code alone (an Africa's Talking account without an SMS API key, say) has its texts
# sent through another of the organisation's channels.
SENDS_WITH = {
    "at": ("username", "api_key"),
    "t": ("account_sid", "auth_token"),
    "ha": ("send_url", "secret"),
    "ex": ("send_url",),
    "a": ("secret",),
}


def receive_call(request: HttpRequest, channel: Channel, gateway: Gateway) -> HttpResponse:
    """Store a voice callback, then answer it so that the call is never picked up. The
    request has been checked (``Gateway.check``) by the caller."""
    from haki.messaging.inbound import UNREADABLE, bad_request, check_incoming, store_incoming

    try:
        incoming = check_incoming(gateway.call(request, channel))
    except NotImplementedError:
        return HttpResponse("unknown channel", status=404, content_type="text/plain")
    except BadRequest as exc:
        return bad_request(str(exc))
    except UNREADABLE:
        return bad_request("unreadable body")
    try:
        store_incoming(channel, incoming)
    except (DatabaseError, KeysUnavailable) as exc:
        spool.write(channel.uuid, incoming)
        logger.error("%s: spooled a missed call for channel %s", type(exc).__name__, channel.pk)
    return gateway.reject_call()


def texting_channel(channel: Channel) -> Channel | None:
    """The channel a call's or a USSD session's texts go out through: its own when it
    can send texts, else the first of the organisation's active channels that can
    (None when none can: the organisation's default channel)."""
    if sends_texts(channel):
        return channel
    others = Channel.objects.filter(organisation=channel.organisation_id, is_active=True)
    return next((other for other in others.order_by("pk") if sends_texts(other)), None)


def sends_texts(channel: Channel) -> bool:
    needed = SENDS_WITH.get(channel.type, ())
    return all(channel.config.get(key) or channel.secrets.get(key) for key in needed)
