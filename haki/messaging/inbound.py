"""Incoming texts and delivery reports, from any gateway.

The order never changes: identify the channel, check the request is really from its
gateway, read it, store it, and only then answer 2xx. Routing happens afterwards, in
the worker, so a slow keyword handler never makes a gateway wait or retry."""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from uuid import UUID

from django.core.exceptions import SuspiciousOperation
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone

from haki.core.phones import InvalidPhoneNumber, normalise_phone
from haki.members.models import Member
from haki.messaging import directory, routing, spool, tasks
from haki.messaging.channels import (
    Action,
    BadRequest,
    Forbidden,
    Gateway,
    Incoming,
    Kind,
    StatusReport,
    gateway_for,
)
from haki.messaging.models import Channel, Msg

logger = logging.getLogger(__name__)

# What the task queue raises when its storage (SQLite file or Redis) is unreachable.
QUEUE_ERRORS: tuple[type[BaseException], ...] = (OSError, sqlite3.Error)
try:
    from redis.exceptions import RedisError

    QUEUE_ERRORS += (RedisError,)
except ImportError:  # Redis is an optional extra
    pass

# What can be stored, checked before the gateway gets its 2xx: a text the database would
# refuse at replay must be refused now, where the gateway sees it.
EXTERNAL_ID_LENGTH = Msg._meta.get_field("external_id").max_length
SENDER_LENGTH = 64  # a number or an alphanumeric sender id (11 letters in GSM)
TEXT_LENGTH = 1600  # ten concatenated parts, and Twilio's own limit
# NUL, which PostgreSQL refuses in text (also in the texts' keywords, in queries), and
# lone surrogates, which cannot be encoded at all (JSON's "\ud800").
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
AHEAD = timedelta(days=1)  # a gateway's clock a little fast, not a date in 2999

CACHE_SECONDS = 60
_channels: dict[UUID, tuple[float, Channel]] = {}

# A report may move a message forward, never back (a late "sent" after "delivered").
PROGRESS = {
    Msg.Status.QUEUED: 0,
    Msg.Status.SENDING: 1,
    Msg.Status.WIRED: 2,
    Msg.Status.SENT: 3,
    Msg.Status.DELIVERED: 4,
    Msg.Status.FAILED: 4,
}


def find_channel(channel_type: str, channel_uuid: UUID) -> Channel | None:
    """The active channel, from the database or, while it is down, from memory or the
    channel directory.

    Channels are kept decrypted in memory for a minute so that a database outage
    does not stop the gateway from being recognised and its texts spooled; a process
    started during the outage finds them in the directory (``directory.py``)."""
    cached = _channels.get(channel_uuid)
    if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
        channel = cached[1]
    else:
        try:
            channel = (
                Channel.objects.select_related("organisation")
                .filter(uuid=channel_uuid, is_active=True)
                .first()
            )
            if channel is not None:
                _ = channel.secrets, channel.organisation.keyring  # decrypt while we can
                _channels[channel_uuid] = (time.monotonic(), channel)
        except DatabaseError:
            if cached is None:
                channel = directory.lookup(channel_uuid)
                if channel is None:
                    raise  # without the database's word, never "unknown channel"
                _channels[channel_uuid] = (time.monotonic(), channel)
            else:
                channel = cached[1]
    if channel is None or not channel.answers_at(channel_type):
        return None
    return channel


def forget_channels() -> None:
    _channels.clear()


def sender_number(raw: str, country: str) -> str:
    """E.164 when it is a phone number; otherwise (an alphanumeric sender) as given."""
    try:
        return normalise_phone(raw, country)
    except InvalidPhoneNumber:
        return raw.strip()


def check_incoming(incoming: Incoming) -> Incoming:
    """The text as read, or BadRequest when the database could not store it."""
    for name, value, limit in (
        ("id", incoming.external_id or "", EXTERNAL_ID_LENGTH),
        ("sender", incoming.sender, SENDER_LENGTH),
        ("text", incoming.text, TEXT_LENGTH),
    ):
        if len(value) > limit:
            raise BadRequest(f"{name} is longer than {limit} characters")
        if UNSTORABLE.search(value):
            raise BadRequest(f"{name} holds a NUL or a lone surrogate")
    received_on = incoming.received_on
    if received_on is not None and not EARLIEST <= received_on <= timezone.now() + AHEAD:
        raise BadRequest("the date is before 2000 or in the future")
    return incoming


def check_report(report: StatusReport) -> StatusReport:
    """The report as read, or BadRequest when its ids could not be looked up."""
    for value in (report.msg_uuid, report.external_id):
        if value and (len(value) > EXTERNAL_ID_LENGTH or UNSTORABLE.search(value)):
            raise BadRequest("id is too long or holds a NUL or a lone surrogate")
    return report


def store_incoming(channel: Channel, incoming: Incoming) -> int | None:
    """Store a text once and have it routed; returns its id, or None for a repeat of
    the same (channel, external id)."""
    msg_id = Msg.objects.store_received(
        channel,
        incoming.external_id,
        sender_number(incoming.sender, channel.organisation.country),
        incoming.text,
        incoming.received_on or timezone.now(),
        template=incoming.kind,
    )
    if msg_id is not None:
        transaction.on_commit(lambda: prompt_routing(msg_id))
    return msg_id


def prompt_routing(msg_id: int) -> None:
    """Ask a worker to route the stored text now, unless a prompt already waits that
    will take it (``routing.prompt_needed``). With the queue unreachable the text
    is still stored, so the gateway still gets its 2xx, and the worker's sweep routes
    the text once the queue is back."""
    try:
        if routing.prompt_needed(msg_id):
            tasks.route_msg(msg_id)
    except QUEUE_ERRORS as exc:
        logger.error(
            "queue unavailable (%s): text %s waits for the sweep", type(exc).__name__, msg_id
        )


def apply_status(channel: Channel, report: StatusReport) -> bool:
    messages = Msg.objects.filter(channel=channel, direction=Msg.Direction.OUT)
    if report.msg_uuid:
        try:
            messages = messages.filter(uuid=UUID(report.msg_uuid))
        except ValueError:
            raise BadRequest("uuid is not a message id") from None
    else:
        messages = messages.filter(external_id=report.external_id)
    with transaction.atomic():
        msg = messages.select_for_update().first()
        if msg is None:
            return False
        if PROGRESS.get(report.status, 0) <= PROGRESS.get(msg.status, 0):
            return True
        msg.status = report.status
        msg.sent_on = msg.sent_on or timezone.now()
        if report.external_id and not msg.external_id:
            msg.external_id = report.external_id
        msg.save(update_fields=["status", "sent_on", "external_id", "modified_on"])
    return True


# What Django raises reading a body it cannot parse (too many fields, broken multipart).
UNREADABLE = (SuspiciousOperation, MultiPartParserError)


def bad_request(reason: str) -> HttpResponse:
    """A 400 the gateway sees, with the reason; never logged with a traceback."""
    return HttpResponse(f"bad request: {reason}", status=400, content_type="text/plain")


def not_found() -> HttpResponse:
    return HttpResponse("unknown channel", status=404, content_type="text/plain")


def not_allowed(methods: Collection[str]) -> HttpResponse:
    response = HttpResponse("method not allowed", status=405, content_type="text/plain")
    response["Allow"] = ", ".join(sorted(methods))
    return response


def receive(
    request: HttpRequest, channel_type: str, channel_uuid: UUID, action_name: str
) -> HttpResponse:
    """Answer one webhook: the channel's gateway says which actions it accepts and what
    each carries (``Gateway.actions``); the kind's handler (``HANDLERS``) does the rest."""
    channel = find_channel(channel_type, channel_uuid)
    gateway = gateway_for(channel.type) if channel is not None else None
    action = gateway.actions.get(action_name) if gateway is not None else None
    if action is None:
        return not_found()
    if request.method not in action.methods:
        return not_allowed(action.methods)
    try:
        gateway.check(request, channel)
    except UNREADABLE:  # Twilio's signature reads the body
        return bad_request("unreadable body")
    except Forbidden as exc:
        # By row number: the UUID is the channel's address, its only credential without a secret.
        logger.warning("refused a %s request for channel %s: %s", action_name, channel.pk, exc)
        return HttpResponse("forbidden", status=403, content_type="text/plain")
    try:
        return HANDLERS[action.kind](request, channel, gateway, action)
    except BadRequest as exc:
        return bad_request(str(exc))
    except UNREADABLE:
        return bad_request("unreadable body")


def receive_text(
    request: HttpRequest, channel: Channel, gateway: Gateway, action: Action
) -> HttpResponse:
    incoming = check_incoming(getattr(gateway, action.reader)(request, channel))
    keep_incoming(channel, incoming)
    return gateway.accepted()


def keep_incoming(channel: Channel, incoming: Incoming) -> None:
    """Store the text, or spool it while the database is down: either way it is kept."""
    try:
        store_incoming(channel, incoming)
    except DatabaseError:
        spool.write(channel.uuid, incoming)
        logger.error("database unavailable: spooled a text for channel %s", channel.pk)


def receive_status(
    request: HttpRequest, channel: Channel, gateway: Gateway, action: Action
) -> HttpResponse:
    found = apply_status(channel, check_report(getattr(gateway, action.reader)(request, channel)))
    return HttpResponse("ok" if found else "ignored: unknown message", content_type="text/plain")


def receive_stop(
    request: HttpRequest, channel: Channel, gateway: Gateway, action: Action
) -> HttpResponse:
    """The number has opted out at the gateway: its member is opted out as STOP does
    (without the confirmation, which the gateway would not deliver)."""
    number = getattr(gateway, action.reader)(request, channel)
    if len(number) > SENDER_LENGTH or UNSTORABLE.search(number):
        raise BadRequest("from is too long or holds a NUL or a lone surrogate")
    try:
        member = Member.objects.with_phone(channel.organisation, number).first()
        if member is not None and member.opted_out_on is None:
            member.opt_out()
    except InvalidPhoneNumber:
        raise BadRequest("from is not a phone number") from None
    except DatabaseError:
        logger.error("database unavailable: an opt-out for channel %s waits", channel.pk)
        return HttpResponse("try again later", status=503, content_type="text/plain")
    return gateway.accepted()


def receive_sync(
    request: HttpRequest, channel: Channel, gateway: Gateway, action: Action
) -> HttpResponse:
    """A batch of commands (RapidPro's Android app), all checked before any is acted
    on: each text is kept and each report applied before its command is acknowledged;
    the answer also carries what to send. Without the database the phone is asked to
    come back (its texts already spooled are not stored twice: same ids)."""
    commands = [
        (ack, check_incoming(item) if isinstance(item, Incoming) else item and check_report(item))
        for ack, item in getattr(gateway, action.reader)(request, channel)
    ]
    try:
        for _, item in commands:
            if isinstance(item, Incoming):
                keep_incoming(channel, item)
            elif item is not None:
                apply_status(channel, item)
        return gateway.synced(channel, [ack for ack, _ in commands if ack is not None])
    except DatabaseError:
        logger.error("database unavailable: a sync for channel %s waits", channel.pk)
        return HttpResponse("try again later", status=503, content_type="text/plain")


def receive_call(
    request: HttpRequest, channel: Channel, gateway: Gateway, action: Action
) -> HttpResponse:
    from haki.messaging import voice

    return voice.receive_call(request, channel, gateway)


def receive_ussd(
    request: HttpRequest, channel: Channel, gateway: Gateway, action: Action
) -> HttpResponse:
    """A menu screen, answered now (haki.ussd): the session's state is stored before
    the answer, and an alert or a case only at the step that confirms it."""
    from haki.ussd.answer import answer

    return answer(request, channel)


HANDLERS = {
    Kind.TEXT: receive_text,
    Kind.CALL: receive_call,
    Kind.STATUS: receive_status,
    Kind.STOP: receive_stop,
    Kind.SYNC: receive_sync,
    Kind.USSD: receive_ussd,
}
