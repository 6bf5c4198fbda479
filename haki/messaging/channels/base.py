from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote_to_bytes

import requests
from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict

from haki.core.proxies import client_address

if TYPE_CHECKING:
    from haki.messaging.models import Channel, Msg

TIMEOUT = (5, 20)  # connect, read: a slow gateway must not hold a worker for long


class BadRequest(Exception):
    """The payload cannot be read; the reason goes back to the gateway (400)."""


class Forbidden(Exception):
    """The request does not come from this channel's gateway (403)."""


class SendFailed(Exception):
    """The gateway did not take the message. ``retry`` says whether trying again later
    may help (a timeout, a 5xx) or not (a refused number, a wrong password)."""

    def __init__(self, reason: str, retry: bool):
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


@dataclass(frozen=True)
class Incoming:
    external_id: str
    sender: str
    text: str
    received_on: datetime | None = None


@dataclass(frozen=True)
class StatusReport:
    status: str  # one of Msg.Status
    msg_uuid: str | None = None
    external_id: str | None = None


class Gateway:
    """What every gateway module provides. ``secret_param`` names where an optional
    shared secret may be given (query string, form field or header)."""

    def check(self, request: HttpRequest, channel: Channel) -> None:
        """Raise Forbidden unless the request is from this channel's gateway."""
        if not channel.allows_address(client_ip(request)):
            raise Forbidden("address not allowed")
        expected = channel.secrets.get("secret")
        if expected:
            given = given_secret(request)
            if not given or not hmac.compare_digest(given.encode(), expected.encode()):
                raise Forbidden("missing or wrong secret")

    def incoming(self, request: HttpRequest, channel: Channel) -> Incoming:
        raise NotImplementedError

    def status(self, request: HttpRequest, channel: Channel) -> StatusReport:
        raise NotImplementedError

    def send(self, channel: Channel, msg: Msg, to: str, text: str) -> str | None:
        """Hand ``text`` to the gateway; return its id for the message, if it gives one."""
        raise NotImplementedError

    def accepted(self) -> HttpResponse:
        """The answer the gateway expects when we have stored what it sent."""
        return HttpResponse("ok", content_type="text/plain")


def client_ip(request: HttpRequest) -> str:
    """The gateway's address, as the trusted proxies report it."""
    return client_address(request)


def given_secret(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Token "):
        return header.removeprefix("Token ").strip()
    # The raw query string: a UTF-16 body charset would garble request.GET (Kannel).
    in_query = parse_qs(request.META.get("QUERY_STRING", "")).get("secret", [None])[0]
    in_form = (
        request.POST.get("secret") if request.content_type.endswith("form-urlencoded") else None
    )
    return request.headers.get("X-Haki-Secret") or in_query or in_form


def form(request: HttpRequest) -> QueryDict:
    """``request.POST``, refusing bytes the declared charset cannot decode: Django would
    quietly turn them into replacement characters (U+FFFD), and store a text nobody sent.
    A form body is checked whole, in one pass (its separators are ASCII); multipart
    bodies, which no gateway sends but Django accepts, are refused when decoding left a
    replacement character."""
    if request.content_type == "application/x-www-form-urlencoded":
        try:
            unquote_to_bytes(request.body.replace(b"+", b" ")).decode(request.encoding or "utf-8")
        except (LookupError, ValueError):
            raise BadRequest(f"body is not valid {request.encoding or 'utf-8'}") from None
    elif request.content_type == "multipart/form-data" and any(
        "\ufffd" in value for value in request.POST.values()
    ):
        raise BadRequest("body is not valid utf-8")
    return request.POST


def required(data, *names: str) -> list[str]:
    """The values of ``names`` in ``data``, or BadRequest naming the missing ones (a
    value of spaces alone is missing too: a sender of " " has no number to store)."""
    missing = [name for name in names if not str(data.get(name) or "").strip()]
    if missing:
        raise BadRequest(f"missing field(s): {', '.join(missing)}")
    return [data[name] for name in names]


def status_url(channel: Channel, msg: Msg, extra: str = "") -> str:
    base = (channel.config.get("callback_base") or settings.HAKI_CALLBACK_BASE_URL).rstrip("/")
    return f"{base}/c/{channel.type}/{channel.uuid}/status?uuid={msg.uuid}{extra}"


_local = threading.local()


def session() -> requests.Session:
    """This thread's HTTP session: its connections to a gateway are kept alive between
    texts, which saves a TCP (and TLS) handshake per text."""
    if getattr(_local, "session", None) is None:
        _local.session = requests.Session()
    return _local.session


def post(url: str, **kwargs) -> requests.Response:
    try:
        return session().post(url, timeout=TIMEOUT, **kwargs)
    except requests.RequestException as exc:
        raise SendFailed(f"gateway unreachable ({type(exc).__name__})", retry=True) from None


def get(url: str, **kwargs) -> requests.Response:
    try:
        return session().get(url, timeout=TIMEOUT, **kwargs)
    except requests.RequestException as exc:
        raise SendFailed(f"gateway unreachable ({type(exc).__name__})", retry=True) from None


def raise_for_status(response: requests.Response) -> None:
    """5xx and 429 are worth retrying; any other non-2xx answer is a refusal."""
    code = response.status_code
    if 200 <= code < 300:
        return
    raise SendFailed(f"gateway answered HTTP {code}", retry=code >= 500 or code == 429)
