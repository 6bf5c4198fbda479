"""Incoming texts and delivery reports, from any gateway.

The order never changes: identify the channel, check the request is really from its
gateway, read it, store it, and only then answer 2xx. Routing happens afterwards, in
the worker, so a slow keyword handler never makes a gateway wait or retry."""

from __future__ import annotations

import logging
import sqlite3
import time
from uuid import UUID

from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from haki.core.phones import InvalidPhoneNumber, normalise_phone
from haki.messaging import spool, tasks
from haki.messaging.channels import BadRequest, Forbidden, Incoming, StatusReport, gateway_for
from haki.messaging.models import Channel, Msg

logger = logging.getLogger(__name__)

# What the task queue raises when its storage (SQLite file or Redis) is unreachable.
QUEUE_ERRORS: tuple[type[BaseException], ...] = (OSError, sqlite3.Error)
try:
    from redis.exceptions import RedisError

    QUEUE_ERRORS += (RedisError,)
except ImportError:  # Redis is an optional extra
    pass

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
    """The active channel, from the database or, while it is down, from memory.

    Channels are kept decrypted in memory for a minute so that a database outage
    does not stop the gateway from being recognised and its texts spooled."""
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
                raise
            channel = cached[1]
    if channel is None or channel.type != channel_type:
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


def store_incoming(channel: Channel, incoming: Incoming) -> int | None:
    """Store a text once and have it routed; returns its id, or None for a repeat of
    the same (channel, external id)."""
    msg_id = Msg.objects.store_received(
        channel,
        incoming.external_id,
        sender_number(incoming.sender, channel.organisation.country),
        incoming.text,
        incoming.received_on or timezone.now(),
    )
    if msg_id is not None:
        transaction.on_commit(lambda: prompt_routing(msg_id))
    return msg_id


def prompt_routing(msg_id: int) -> None:
    """Ask a worker to route the stored text now. With the queue unreachable the text
    is still stored, so the gateway still gets its 2xx, and the worker's sweep routes
    the text once the queue is back."""
    try:
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


def receive(
    request: HttpRequest, channel_type: str, channel_uuid: UUID, action: str
) -> HttpResponse:
    channel = find_channel(channel_type, channel_uuid)
    if channel is None or action not in ("receive", "status"):
        return HttpResponse("unknown channel", status=404, content_type="text/plain")
    gateway = gateway_for(channel_type)
    try:
        gateway.check(request, channel)
    except Forbidden as exc:
        # By row number: the UUID is the channel's address, its only credential without a secret.
        logger.warning("refused a %s request for channel %s: %s", action, channel.pk, exc)
        return HttpResponse("forbidden", status=403, content_type="text/plain")
    try:
        if action == "status":
            found = apply_status(channel, gateway.status(request, channel))
            return HttpResponse(
                "ok" if found else "ignored: unknown message", content_type="text/plain"
            )
        incoming = gateway.incoming(request, channel)
    except BadRequest as exc:
        return HttpResponse(f"bad request: {exc}", status=400, content_type="text/plain")
    try:
        store_incoming(channel, incoming)
    except DatabaseError:
        spool.write(channel.uuid, incoming)
        logger.error("database unavailable: spooled a text for channel %s", channel.pk)
    return gateway.accepted()
