"""An Android phone running a gateway app with Haki's own JSON format (``ha``). It posts
what the phone receives with a secret token, and is asked to send with a JSON post
carrying the same token. Channels made before RapidPro's External type took ``ex`` keep
answering their phones at /c/ex/ (``Channel.answers_at``).

A missed call the phone sees is posted to the ``voice`` action as
``{"event": "missed_call", "id": "<the app's id for the call>", "from": "+254..."}``;
the phone itself never picks up, so the answer only says it was stored."""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse

from haki.messaging.channels.base import (
    CALL,
    Action,
    BadRequest,
    Forbidden,
    Gateway,
    Incoming,
    Kind,
    SendFailed,
    StatusReport,
    form,
    post,
    raise_for_status,
    required,
)

STATUS = {"sent": "sent", "delivered": "delivered", "failed": "failed"}


class Android(Gateway):
    actions = {**Gateway.actions, "voice": Action(Kind.CALL)}

    def check(self, request: HttpRequest, channel) -> None:
        if not channel.secrets.get("secret"):
            raise Forbidden("this channel has no secret configured")
        super().check(request, channel)

    def _data(self, request: HttpRequest):
        if request.content_type == "application/json":
            try:
                data = json.loads(request.body or b"{}")
            except (ValueError, RecursionError):  # RecursionError: nested too deep
                raise BadRequest("body is not valid JSON") from None
            if not isinstance(data, dict):
                raise BadRequest("body must be a JSON object")
            if any(isinstance(v, dict | list) for v in data.values()):
                raise BadRequest("every field must be a string, a number or null")
            return {k: str(v) for k, v in data.items() if v is not None}
        return form(request)

    def incoming(self, request: HttpRequest, channel) -> Incoming:
        data = self._data(request)
        external_id, sender = required(data, "id", "from")
        return Incoming(external_id, sender, data.get("text", ""))

    def status(self, request: HttpRequest, channel) -> StatusReport:
        data = self._data(request)
        msg_uuid, value = required(data, "id", "status")
        if value not in STATUS:
            raise BadRequest(f"unknown status, must be one of {', '.join(STATUS)}")
        return StatusReport(status=STATUS[value], msg_uuid=msg_uuid)

    def accepted(self) -> JsonResponse:
        return JsonResponse({"status": "ok"})

    def call(self, request: HttpRequest, channel) -> Incoming:
        data = self._data(request)
        event, external_id, caller = required(data, "event", "id", "from")
        if event != "missed_call":
            raise BadRequest("event must be missed_call")
        return Incoming(external_id, caller, "", kind=CALL)

    def reject_call(self) -> JsonResponse:
        return self.accepted()

    def send(self, channel, msg, to: str, text: str) -> str | None:
        url, secret = channel.config.get("send_url"), channel.secrets.get("secret")
        if not (url and secret):
            raise SendFailed("channel needs send_url and secret", retry=False)
        payload = {"id": str(msg.uuid), "to": to, "text": text, "from": channel.address}
        raise_for_status(post(url, json=payload, headers={"Authorization": f"Token {secret}"}))
        return str(msg.uuid)
