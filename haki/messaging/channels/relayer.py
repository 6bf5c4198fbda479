"""RapidPro's Android app (``a``, RapidPro's channel type A), which relays a phone's
texts by syncing: it posts a batch of commands and is answered with commands.

It posts ``{"cmds": [...]}`` to its sync address with ``?ts=<unix seconds>&signature=``
the URL-safe base64 HMAC-SHA256 of the body keyed with the channel's secret followed by
``ts``; a request more than 15 minutes old is refused. Commands read here: ``mo_sms``
(``phone``, ``msg``, ``ts`` in milliseconds, ``p_id``), ``mt_sent``, ``mt_dlvd``,
``mt_fail`` and ``mt_error`` (``msg_id``). Each command with a ``p_id`` is acknowledged
with it once what it carries is kept (``fcm`` and ``status`` never are, as in RapidPro);
the answer also holds every text handed to the phone and not yet reported sent
(``mt_bcast``, ``id`` the message's number). The phone syncs on its own schedule; Haki
does not wake it through Firebase as RapidPro does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from datetime import UTC, datetime, timedelta

from django.http import HttpRequest, JsonResponse

from haki.messaging.channels.base import (
    Action,
    BadRequest,
    Forbidden,
    Gateway,
    Incoming,
    Kind,
    StatusReport,
    check_address,
)

MAX_AGE = 15 * 60  # seconds, as RapidPro
LATER = timedelta(seconds=MAX_AGE)
MAX_COMMANDS = 100
OUTGOING_PER_SYNC = 100
STATUS = {"mt_sent": "sent", "mt_dlvd": "delivered", "mt_fail": "failed", "mt_error": None}
UNACKNOWLEDGED = {"fcm", "status"}
PHONE = re.compile(r"\+?\d{1,64}")  # what RapidPro takes for a number (Android may send null)
DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII digits, at most a 64-bit number
Item = Incoming | StatusReport | None


def signature(secret: str, ts: str, body: bytes) -> str:
    digest = hmac.new((secret + ts).encode(), body, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()


class Relayer(Gateway):
    actions = {"sync": Action(Kind.SYNC)}

    def check(self, request: HttpRequest, channel) -> None:
        check_address(request, channel)
        secret = channel.secrets.get("secret")
        ts, given = request.GET.get("ts", ""), request.GET.get("signature", "")
        if not secret or not given or not DIGITS.fullmatch(ts):
            raise Forbidden("missing secret, signature or ts")
        if abs(time.time() - int(ts)) > MAX_AGE:
            raise Forbidden("old request")
        if not hmac.compare_digest(signature(secret, ts, request.body).encode(), given.encode()):
            raise Forbidden("invalid signature")

    def sync(self, request: HttpRequest, channel) -> list[tuple[str | int | None, Item]]:
        try:
            commands = json.loads(request.body or b'{"cmds": []}')["cmds"]
        except (ValueError, KeyError, TypeError, RecursionError):
            raise BadRequest("body must be a JSON object with a list of cmds") from None
        if not isinstance(commands, list) or len(commands) > MAX_COMMANDS:
            raise BadRequest(f"cmds must be a list of at most {MAX_COMMANDS} commands")
        found = []
        for command in commands:
            if not isinstance(command, dict) or not isinstance(command.get("cmd"), str):
                raise BadRequest("every command must be a JSON object with a cmd")
            # As RapidPro: the phone repeats fcm and status in every sync, unacknowledged.
            p_id = None if command.get("cmd") in UNACKNOWLEDGED else command.get("p_id")
            if isinstance(p_id, dict | list):
                raise BadRequest("p_id must be a string or a number")
            found.append((p_id, read_command(command)))
        return found

    def synced(self, channel, acked: list[str | int]) -> JsonResponse:
        commands = [{"cmd": "ack", "p_id": p_id} for p_id in acked]
        return JsonResponse({"cmds": commands + outgoing(channel)})

    def send(self, channel, msg, to: str, text: str) -> str | None:
        """Nothing to call: the text waits, handed over, for the phone's next sync."""
        return str(msg.pk)


def read_command(command: dict) -> Item:
    name = command.get("cmd")
    try:
        if name == "mo_sms":
            phone, text, ts = command["phone"], command.get("msg") or "", command["ts"]
            if not (
                isinstance(text, str) and text and isinstance(phone, str) and PHONE.fullmatch(phone)
            ):
                return None  # RapidPro drops an empty text or a hidden number, and acknowledges it
            received_on = phone_time(number(ts))
            return Incoming(f"{command.get('p_id')}:{ts}", phone, text, received_on)
        if STATUS.get(name):
            msg_id = number(command["msg_id"])
            return StatusReport(status=STATUS[name], external_id=str(msg_id % 2**32))
    except (KeyError, ValueError, TypeError, OverflowError, OSError):
        raise BadRequest(f"{name} command is missing a field or has a wrong one") from None
    return None  # fcm, status, call, reset: nothing Haki keeps


def phone_time(ts: int) -> datetime | None:
    """When the phone got the text (``ts`` in milliseconds), or None, for the time it
    arrives here, when the phone's clock cannot be right: before 2000, later than the
    sync carrying it (give or take the 15 minutes a sync's own time may be off), or
    past any date. Refused, the text would be lost: the phone repeats the same sync."""
    from haki.messaging.inbound import EARLIEST

    try:
        moment = datetime.fromtimestamp(ts // 1000, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return moment if EARLIEST <= moment <= datetime.now(tz=UTC) + LATER else None


def number(value: object) -> int:
    """A JSON number, or a string of ASCII digits: int() would also read Arabic-Indic or
    fullwidth digits, which are no number the app writes."""
    if isinstance(value, str) and not DIGITS.fullmatch(value):
        raise ValueError("not ASCII digits")
    return int(value)  # type: ignore[call-overload]


def outgoing(channel) -> list[dict]:
    """Texts handed to the phone and not yet reported sent, grouped as RapidPro does:
    one ``mt_bcast`` for each run of the same text."""
    from haki.messaging.models import Msg

    msgs = Msg.objects.filter(
        channel=channel, direction=Msg.Direction.OUT, status=Msg.Status.WIRED
    ).order_by("created_on", "pk")[:OUTGOING_PER_SYNC]
    commands: list[dict] = []
    for msg in msgs:
        msg.organisation = channel.organisation  # opened with its keys, without a query
        text, phone = msg.text, msg.phone
        if commands and commands[-1]["msg"] == text:
            commands[-1]["to"].append({"phone": phone, "id": msg.pk})
        else:
            commands.append(
                {"cmd": "mt_bcast", "to": [{"phone": phone, "id": msg.pk}], "msg": text}
            )
    return commands
