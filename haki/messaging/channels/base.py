from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from http.cookiejar import Cookie, DefaultCookiePolicy
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import parse_qs, unquote_to_bytes
from urllib.request import getproxies

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


# What an incoming message is when it is not a text: a missed call ("flash"), and the
# gateway's word that the call has ended. Stored as the incoming message's template.
TEXT = ""
CALL = "missed_call"
CALL_ENDED = "missed_call.ended"


@dataclass(frozen=True)
class Incoming:
    external_id: str | None  # None when the gateway gives no id (RapidPro's External)
    sender: str
    text: str
    received_on: datetime | None = None
    kind: str = TEXT  # TEXT, CALL or CALL_ENDED


@dataclass(frozen=True)
class StatusReport:
    status: str  # one of Msg.Status
    msg_uuid: str | None = None
    external_id: str | None = None


class Kind(StrEnum):
    """What a webhook action carries, and so what ``inbound`` does with it."""

    TEXT = "text"  # an incoming text: read by ``Action.read``, stored, routed
    STATUS = "status"  # a delivery report on a text sent
    STOP = "stop"  # the number has opted out at the gateway: applied as STOP is
    SYNC = "sync"  # a batch of commands that is answered with commands (Android type A)
    CALL = "call"  # a voice callback: a missed call, answered so it is never picked up
    USSD = "ussd"  # a USSD menu request, answered at once with the next screen (haki.ussd)


@dataclass(frozen=True)
class Action:
    """One webhook action a gateway accepts at /c/<type>/<uuid>/<action>: what it
    carries, the gateway method that reads it, and the HTTP methods it may come by."""

    kind: Kind
    read: str = ""  # the Gateway method reading it; by default the kind's (READERS)
    methods: tuple[str, ...] = ("POST",)

    @property
    def reader(self) -> str:
        return self.read or READERS[self.kind]


READERS = {
    Kind.TEXT: "incoming",
    Kind.STATUS: "status",
    Kind.STOP: "stopped",
    Kind.SYNC: "sync",
    Kind.CALL: "call",
    Kind.USSD: "",  # the menu reads its own fields: haki.ussd.answer
}


GET_OR_POST = ("GET", "POST")


class Gateway:
    """What every gateway module provides: the webhook actions it accepts (``actions``,
    by name) and how it reads and answers each, and how it sends."""

    # Whether a batch's texts may go to it over several connections at once; a gateway
    # inside Haki (the simulator) writes to the database as it sends, in the caller's
    # transaction, so it is handed its texts in the sending thread itself.
    concurrent = True

    actions: ClassVar[dict[str, Action]] = {
        "receive": Action(Kind.TEXT),
        "status": Action(Kind.STATUS, methods=GET_OR_POST),
    }

    def check(self, request: HttpRequest, channel: Channel) -> None:
        """Raise Forbidden unless the request is from this channel's gateway."""
        check_address(request, channel)
        expected = channel.secrets.get("secret")
        if expected:
            given = given_secret(request)
            if not given or not hmac.compare_digest(given.encode(), expected.encode()):
                raise Forbidden("missing or wrong secret")

    def incoming(self, request: HttpRequest, channel: Channel) -> Incoming:
        raise NotImplementedError

    def status(self, request: HttpRequest, channel: Channel) -> StatusReport:
        raise NotImplementedError

    def stopped(self, request: HttpRequest, channel: Channel) -> str:
        """The number that has opted out, as the gateway gives it."""
        raise NotImplementedError

    def send(self, channel: Channel, msg: Msg, to: str, text: str) -> str | None:
        """Hand ``text`` to the gateway; return its id for the message, if it gives one."""
        raise NotImplementedError

    def accepted(self) -> HttpResponse:
        """The answer the gateway expects when we have stored what it sent."""
        return HttpResponse("ok", content_type="text/plain")

    def call(self, request: HttpRequest, channel: Channel) -> Incoming:
        """A voice callback as an ``Incoming`` of kind CALL (ringing) or CALL_ENDED;
        NotImplementedError for a gateway that carries no calls."""
        raise NotImplementedError

    def reject_call(self) -> HttpResponse:
        """The answer that leaves the call unanswered, so that it costs nobody anything."""
        raise NotImplementedError


# The one answer to a voice callback, in Africa's Talking's XML and Twilio's TwiML
# alike: as the first (and only) verb, <Reject/> keeps the call from being answered.
REJECT = '<?xml version="1.0" encoding="UTF-8"?><Response><Reject/></Response>'


def call_kind(ringing: bool) -> str:
    return CALL if ringing else CALL_ENDED


def call_id(session: str, ringing: bool) -> str:
    """The stored id of a voice callback: the session's, and for the callback saying the
    call has ended, the session's with ``.ended``, so each is stored once."""
    return session if ringing else f"{session}.ended"


def check_address(request: HttpRequest, channel: Channel) -> None:
    """Forbidden unless the channel has no allowlist or the client is inside it; the
    client's address is worked out only for a channel with an allowlist."""
    if channel.config.get("allowed_ips") and not channel.allows_address(client_ip(request)):
        raise Forbidden("address not allowed")


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


class NoCookies(DefaultCookiePolicy):
    """A gateway's Set-Cookie is never kept: sent back, it would tie one text to the
    next, and one channel's texts to another's gateway."""

    def set_ok(self, cookie: Cookie, request: object) -> bool:
        return False

    def return_ok(self, cookie: Cookie, request: object) -> bool:
        return False


def session() -> requests.Session:
    """This thread's HTTP session: its connections to a gateway are kept alive between
    texts, which saves a TCP (and TLS) handshake per text. It keeps no cookies.

    Without a proxy in the environment, the session does not look there for one (nor
    in ~/.netrc) on every request: reading the environment's proxy settings cost a
    third of a text's sending. With a proxy set, it is used as ``requests`` always does."""
    if getattr(_local, "session", None) is None:
        _local.session = requests.Session()
        _local.session.cookies.set_policy(NoCookies())
        _local.session.trust_env = bool(getproxies())
    return _local.session


def request(method: str, url: str, **kwargs) -> requests.Response:
    """Every gateway's request, through this thread's session; a failure to reach the
    gateway is a SendFailed worth retrying. A redirect is never followed: only the
    send_url is checked (``sendurls``), not where a gateway sends Haki on to."""
    try:
        return session().request(method, url, timeout=TIMEOUT, allow_redirects=False, **kwargs)
    except requests.RequestException as exc:
        raise SendFailed(f"gateway unreachable ({type(exc).__name__})", retry=True) from None


def post(url: str, **kwargs) -> requests.Response:
    return request("POST", url, **kwargs)


def get(url: str, **kwargs) -> requests.Response:
    return request("GET", url, **kwargs)


def raise_for_status(response: requests.Response) -> None:
    """5xx and 429 are worth retrying; any other non-2xx answer is a refusal."""
    code = response.status_code
    if 200 <= code < 300:
        return
    raise SendFailed(f"gateway answered HTTP {code}", retry=code >= 500 or code == 429)
