"""Africa's Talking (``at``): form posts in, its messaging API out."""

from __future__ import annotations

from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse

from haki.messaging.channels.base import (
    GET_OR_POST,
    REJECT,
    Action,
    BadRequest,
    Gateway,
    Incoming,
    Kind,
    SendFailed,
    StatusReport,
    call_id,
    call_kind,
    form,
    post,
    raise_for_status,
    required,
)

API_URL = "https://api.africastalking.com/version1/messaging"
STATUS = {
    "Success": "delivered",
    "Sent": "sent",
    "Buffered": "sent",
    "Rejected": "failed",
    "Failed": "failed",
    "Expired": "failed",
}


class AfricasTalking(Gateway):
    # As courier: "callback" and "delivery" are the names Africa's Talking's dashboard
    # suggests; "receive" and "status" are courier's (and Haki's) own.
    actions = {
        **Gateway.actions,
        "callback": Action(Kind.TEXT),
        "delivery": Action(Kind.STATUS, methods=GET_OR_POST),
        "voice": Action(Kind.CALL),
        "ussd": Action(Kind.USSD),
    }

    def incoming(self, request: HttpRequest, channel) -> Incoming:
        external_id, text, sender, _to, date = required(
            form(request), "id", "text", "from", "to", "date"
        )
        for layout in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S.%fZ"):
            try:
                received_on = datetime.strptime(date, layout).replace(tzinfo=UTC)
                break
            except ValueError:
                continue
        else:
            raise BadRequest("date must look like 2017-05-03T06:04:45Z")
        return Incoming(external_id, sender, text, received_on)

    def status(self, request: HttpRequest, channel) -> StatusReport:
        external_id, value = required(form(request), "id", "status")
        if value not in STATUS:
            raise BadRequest(f"unknown status, must be one of {', '.join(STATUS)}")
        return StatusReport(status=STATUS[value], external_id=external_id)

    def call(self, request: HttpRequest, channel) -> Incoming:
        """A voice callback: ``isActive`` 1 while the phone rings, 0 once the call has
        ended (then with its duration and cause). Only calls made to us are read."""
        data = form(request)
        active, session, direction, caller = required(
            data, "isActive", "sessionId", "direction", "callerNumber"
        )
        if active not in ("0", "1"):
            raise BadRequest("isActive must be 1 or 0")
        if direction != "Inbound":
            raise BadRequest("only inbound calls are read")
        ringing = active == "1"
        return Incoming(call_id(session, ringing), caller, "", kind=call_kind(ringing))

    def reject_call(self) -> HttpResponse:
        return HttpResponse(REJECT, content_type="application/xml")

    def send(self, channel, msg, to: str, text: str) -> str | None:
        username, api_key = channel.config.get("username"), channel.secrets.get("api_key")
        if not (username and api_key):
            raise SendFailed("channel needs username and api_key", retry=False)
        form = {"username": username, "to": to, "message": text}
        if not channel.config.get("is_shared"):
            form["from"] = channel.address
        response = post(
            channel.config.get("send_url") or API_URL,
            data=form,
            headers={"apiKey": api_key, "Accept": "application/json"},
        )
        raise_for_status(response)
        try:
            recipient = response.json()["SMSMessageData"]["Recipients"][0]
        except (ValueError, KeyError, IndexError, TypeError):
            raise SendFailed("unexpected answer from Africa's Talking", retry=False) from None
        if recipient.get("status") != "Success":
            raise SendFailed(f"refused: {recipient.get('status')}", retry=False)
        return recipient.get("messageId") or None
