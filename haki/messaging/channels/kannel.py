"""Kannel (``kn``), with RapidPro's documented sms-service stanza:

    post-url = "https://HOST/c/kn/UUID/receive?backend=%i&sender=%p&message=%b&ts=%T&id=%I&to=%P"
    accept-x-kannel-headers = true

Texts that are not GSM 7-bit travel as UCS-2: Kannel then posts the raw UTF-16BE bytes,
says so in ``X-Kannel-Coding: 2`` and the Content-Type charset, and is asked to send
with ``coding=2&charset=utf-8``."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode

from django.http import HttpRequest

from haki.messaging.channels.base import (
    BadRequest,
    Gateway,
    Incoming,
    SendFailed,
    StatusReport,
    get,
    raise_for_status,
    required,
    status_url,
)
from haki.messaging.gsm7 import is_gsm7

# Kannel's DLR types: 1 delivered to phone, 2 not delivered, 4 queued at the SMSC,
# 8 accepted by the SMSC, 16 refused by the SMSC.
DLR_STATUS = {1: "delivered", 2: "failed", 4: "sent", 8: "sent", 16: "failed"}
DLR_MASK = 1 + 2 + 8 + 16


class Kannel(Gateway):
    def incoming(self, request: HttpRequest, channel) -> Incoming:
        # Not request.GET: Django would decode the query string with the body's charset,
        # and Kannel declares UTF-16BE for UCS-2 texts. Read as bytes (latin-1 keeps
        # them), then each field as UTF-8, refusing what is not (never U+FFFD).
        query = {
            k: v[0]
            for k, v in parse_qs(request.META.get("QUERY_STRING", ""), encoding="latin-1").items()
        }
        required(query, "id", "sender", "ts")
        external_id, sender, ts = (_utf8(query, name) for name in ("id", "sender", "ts"))
        try:
            received_on = datetime.fromtimestamp(int(ts), tz=UTC)
        except (ValueError, OverflowError, OSError):
            raise BadRequest("ts must be a unix timestamp") from None
        return Incoming(external_id, sender, self._text(request, query), received_on)

    def _text(self, request: HttpRequest, query: dict[str, str]) -> str:
        # From META, as request.headers would read them without building every header.
        charset = _charset(request.META.get("CONTENT_TYPE", ""))
        if request.META.get("HTTP_X_KANNEL_CODING") == "2":
            charset = "utf-16-be"
        # Older set-ups send the text only in the query string.
        raw = request.body or query.get("message", "").encode("latin-1")
        try:
            return raw.decode(charset)
        except (LookupError, ValueError):  # ValueError: UnicodeError and odd codecs
            raise BadRequest(f"message is not valid {charset}") from None

    def status(self, request: HttpRequest, channel) -> StatusReport:
        data = request.GET if request.GET else request.POST
        msg_uuid = data.get("uuid") or data.get("id")
        (code,) = required(data, "status")
        if not msg_uuid:
            raise BadRequest("missing field(s): uuid")
        try:
            status = DLR_STATUS[int(code)]
        except (ValueError, KeyError):
            raise BadRequest("unknown status, must be one of 1, 2, 4, 8, 16") from None
        return StatusReport(status=status, msg_uuid=msg_uuid)

    def send(self, channel, msg, to: str, text: str) -> str | None:
        url = channel.config.get("send_url")
        username, password = channel.config.get("username"), channel.secrets.get("password")
        if not (url and username and password):
            raise SendFailed("channel needs send_url, username and password", retry=False)
        params = {
            "username": username,
            "password": password,
            "from": channel.address,
            "to": to,
            "text": text,
            "dlr-mask": DLR_MASK,
            "dlr-url": status_url(channel, msg, "&status=%d"),
        }
        if not is_gsm7(text):
            params.update({"coding": 2, "charset": "utf-8"})
        separator = "&" if "?" in url else "?"
        raise_for_status(get(f"{url}{separator}{urlencode(params)}"))
        return None


def _utf8(query: dict[str, str], name: str) -> str:
    try:
        return query[name].encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(f"{name} is not valid utf-8") from None


def _charset(content_type: str) -> str:
    for part in content_type.split(";"):
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip('"').lower()
    return "utf-8"
