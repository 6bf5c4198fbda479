"""RapidPro's External channel (``ex``, courier's type EX): any HTTP service that
posts what it receives as a form and is called with a request the organisation writes.

In: ``receive`` (fields ``from`` or ``sender``, ``text``, optional ``date`` in RFC 3339;
GET or POST), ``sent``, ``delivered`` and ``failed`` (field ``id`` or ``uuid``: the
message's uuid Haki gave in the send) and ``stopped`` (field ``from``: the number opted
out). Out: ``send_method`` (GET, POST or PUT), ``send_url`` and, for POST and PUT,
``send_body``, in which ``{{text}}``, ``{{to}}``, ``{{to_no_plus}}``, ``{{from}}``,
``{{from_no_plus}}``, ``{{id}}``, ``{{uuid}}`` and ``{{channel}}`` are replaced, encoded
for where they stand: URL-encoded in the URL, and in the body as ``content_type`` says
(``urlencoded``, ``json`` or ``xml``)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote_plus
from uuid import UUID
from xml.sax.saxutils import escape

from django.http import HttpRequest, JsonResponse

from haki.messaging.channels.base import (
    GET_OR_POST,
    Action,
    BadRequest,
    Gateway,
    Incoming,
    Kind,
    SendFailed,
    StatusReport,
    form,
    raise_for_status,
    request,
)
from haki.messaging.sendurls import UnsafeSendUrl, check_send_url

CONTENT_TYPES = {
    "urlencoded": "application/x-www-form-urlencoded",
    "json": "application/json",
    "xml": "text/xml; charset=utf-8",
}
METHODS = ("GET", "POST", "PUT")
DEFAULT_BODY = "id={{id}}&text={{text}}&to={{to}}&from={{from}}&channel={{channel}}"
VARIABLE = re.compile(r"\{\{(\w+)\}\}")
QUOTES = {'"': "&quot;", "'": "&apos;"}  # a variable may stand in an attribute's value
ENCODERS = {
    "urlencoded": quote_plus,
    "json": json.dumps,
    "xml": lambda value: escape(value, QUOTES),
}


def fields(request: HttpRequest) -> dict[str, str]:
    """The query string and the form together, as courier reads them (the form wins)."""
    data = {k: v for k, v in request.GET.items()}
    if request.method == "POST":
        data.update(form(request).items())
    return data


class External(Gateway):
    actions = {
        "receive": Action(Kind.TEXT, methods=GET_OR_POST),
        "sent": Action(Kind.STATUS, read="sent", methods=GET_OR_POST),
        "delivered": Action(Kind.STATUS, read="delivered", methods=GET_OR_POST),
        "failed": Action(Kind.STATUS, read="failed", methods=GET_OR_POST),
        "stopped": Action(Kind.STOP, methods=GET_OR_POST),
    }

    def incoming(self, request: HttpRequest, channel) -> Incoming:
        data = fields(request)
        sender = (data.get("from") or data.get("sender") or "").strip()
        if not sender:
            raise BadRequest("must have one of 'sender' or 'from' set")
        date = data.get("date") or data.get("time")
        received_on = None
        if date:
            try:
                received_on = datetime.fromisoformat(date)
            except ValueError:
                raise BadRequest("invalid date format, must be RFC 3339") from None
            if received_on.tzinfo is None:
                raise BadRequest("invalid date format, must be RFC 3339")
        # No id from the gateway: a retry cannot be told from a second text, as in courier.
        return Incoming(None, sender, data.get("text", ""), received_on)

    def _report(self, request: HttpRequest, status: str) -> StatusReport:
        data = fields(request)
        msg_uuid = data.get("uuid") or data.get("id") or ""
        try:
            UUID(msg_uuid)
        except ValueError:
            raise BadRequest("id or uuid must be the message's uuid") from None
        return StatusReport(status=status, msg_uuid=msg_uuid)

    def sent(self, request: HttpRequest, channel) -> StatusReport:
        return self._report(request, "sent")

    def delivered(self, request: HttpRequest, channel) -> StatusReport:
        return self._report(request, "delivered")

    def failed(self, request: HttpRequest, channel) -> StatusReport:
        return self._report(request, "failed")

    def stopped(self, request: HttpRequest, channel) -> str:
        sender = fields(request).get("from", "").strip()
        if not sender:
            raise BadRequest("missing field(s): from")
        return sender

    def accepted(self) -> JsonResponse:
        return JsonResponse({"message": "Message Accepted"})

    def send(self, channel, msg, to: str, text: str) -> str | None:
        config = channel.config
        method = config.get("send_method") or "POST"
        content_type = config.get("content_type") or "urlencoded"
        if not config.get("send_url") or method not in METHODS or content_type not in CONTENT_TYPES:
            raise SendFailed("channel needs send_url, send_method and content_type", retry=False)
        variables = {
            "id": str(msg.uuid),
            "uuid": str(msg.uuid),
            "text": text,
            "to": to,
            "to_no_plus": to.removeprefix("+"),
            "from": channel.address,
            "from_no_plus": channel.address.removeprefix("+"),
            "channel": str(channel.uuid),
        }
        url = fill(config["send_url"], variables, quote_plus)
        try:  # a variable may have changed where the URL points
            check_send_url(url, channel.organisation.allow_local_gateways)
        except UnsafeSendUrl as exc:
            raise SendFailed(f"send_url refused: it {exc}", retry=False) from None
        body = None
        if method != "GET":
            template = config.get("send_body") or DEFAULT_BODY
            body = fill(template, variables, ENCODERS[content_type]).encode()
        headers = {"Content-Type": CONTENT_TYPES[content_type]}
        raise_for_status(request(method, url, data=body, headers=headers))
        return None


def variables_in_host(url: str) -> bool:
    """True when a variable stands before the path: where the request goes must not
    depend on a message."""
    rest = url.split("://", 1)[-1]
    return "{{" in rest.split("/", 1)[0].split("?", 1)[0]


def fill(template: str, variables: dict[str, str], encode: Callable[[str], str]) -> str:
    """The template with each known variable replaced, in one pass: a text holding
    "{{to}}" is sent as written, never filled in itself."""
    return VARIABLE.sub(
        lambda found: encode(variables[found[1]]) if found[1] in variables else found[0],
        template,
    )
