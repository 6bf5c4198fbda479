"""Twilio (``t``): every callback is signed with the account's auth token
(``X-Twilio-Signature``) and checked in constant time; out through the Messages API."""

from __future__ import annotations

import base64
import hashlib
import hmac

from django.http import HttpRequest, HttpResponse

from haki.messaging.channels.base import (
    REJECT,
    Action,
    BadRequest,
    Forbidden,
    Gateway,
    Incoming,
    Kind,
    SendFailed,
    StatusReport,
    call_id,
    call_kind,
    form,
    post,
    required,
    status_url,
)

API_BASE = "https://api.twilio.com"
STATUS = {
    "accepted": "sent",
    "queued": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "failed",
    "failed": "failed",
}
# A call's status while it rings, before any answer; any other is a call that ended.
RINGING = {"queued", "initiated", "ringing", "in-progress"}
STOPPED = 21610  # the recipient has texted STOP to Twilio


def signature(url: str, params: dict[str, list[str]], auth_token: str) -> str:
    """Twilio's scheme: the full URL, then every POST field name and value, sorted."""
    payload = url + "".join(name + value for name in sorted(params) for value in params[name])
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class Twilio(Gateway):
    actions = {**Gateway.actions, "voice": Action(Kind.CALL)}

    def check(self, request: HttpRequest, channel) -> None:
        super().check(request, channel)
        token = channel.secrets.get("auth_token")
        given = request.headers.get("X-Twilio-Signature", "")
        if not token or not given:
            raise Forbidden("missing signature")
        expected = signature(request.build_absolute_uri(), dict(request.POST.lists()), token)
        if not hmac.compare_digest(expected.encode(), given.encode()):
            raise Forbidden("invalid signature")

    def incoming(self, request: HttpRequest, channel) -> Incoming:
        data = form(request)
        external_id, sender, _ = required(data, "MessageSid", "From", "AccountSid")
        return Incoming(external_id, sender, data.get("Body", ""))

    def status(self, request: HttpRequest, channel) -> StatusReport:
        external_id, value = required(form(request), "MessageSid", "MessageStatus")
        if value not in STATUS:
            raise BadRequest(f"unknown status, must be one of {', '.join(STATUS)}")
        return StatusReport(
            status=STATUS[value], msg_uuid=request.GET.get("uuid"), external_id=external_id
        )

    def accepted(self) -> HttpResponse:
        return HttpResponse(
            '<?xml version="1.0" encoding="UTF-8"?><Response/>', content_type="text/xml"
        )

    def call(self, request: HttpRequest, channel) -> Incoming:
        """An incoming call's webhook (``CallStatus`` ringing), or its status callback
        once it has ended (busy, no-answer, canceled, completed, failed)."""
        data = form(request)
        call_sid, caller, _, status = required(data, "CallSid", "From", "AccountSid", "CallStatus")
        if data.get("Direction", "inbound") != "inbound":
            raise BadRequest("only inbound calls are read")
        ringing = status in RINGING
        return Incoming(call_id(call_sid, ringing), caller, "", kind=call_kind(ringing))

    def reject_call(self) -> HttpResponse:
        return HttpResponse(REJECT, content_type="text/xml")

    def send(self, channel, msg, to: str, text: str) -> str | None:
        sid, token = channel.config.get("account_sid"), channel.secrets.get("auth_token")
        if not (sid and token):
            raise SendFailed("channel needs account_sid and auth_token", retry=False)
        base = (channel.config.get("send_url") or API_BASE).rstrip("/")
        form = {"To": to, "Body": text, "StatusCallback": status_url(channel, msg)}
        if channel.config.get("messaging_service_sid"):
            form["MessagingServiceSid"] = channel.config["messaging_service_sid"]
        else:
            form["From"] = channel.address
        response = post(
            f"{base}/2010-04-01/Accounts/{sid}/Messages.json",
            data=form,
            auth=(sid, token),
            headers={"Accept": "application/json"},
        )
        if response.status_code >= 400:
            try:
                code = response.json().get("code")
            except ValueError:
                code = None
            retry = response.status_code >= 500 or response.status_code == 429
            reason = "recipient has opted out at Twilio" if code == STOPPED else None
            raise SendFailed(
                reason or f"Twilio answered HTTP {response.status_code} ({code})", retry
            )
        try:
            return response.json()["sid"]
        except (ValueError, KeyError):
            raise SendFailed("unexpected answer from Twilio", retry=False) from None
