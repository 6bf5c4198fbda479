"""The phone simulator (``sim``), for the demo and development only: no gateway, no
network. Texts come in from the simulator's page, as if typed on a phone; a text sent
is handed to the simulated phone at once, and recorded as delivered exactly as a real
gateway's delivery report would, so what the page shows is what was really sent.

Production settings refuse to start while a ``sim`` channel exists (see
``haki.messaging.checks``): nothing texted to one would reach anyone."""

from __future__ import annotations

from django.http import HttpRequest

from haki.messaging.channels.base import BadRequest, Forbidden, Gateway, Incoming, StatusReport


class Simulator(Gateway):
    concurrent = False  # its sending writes the delivery report in the caller's transaction

    def check(self, request: HttpRequest, channel) -> None:
        # Nothing outside Haki speaks for a simulated phone: the page stores its texts.
        raise Forbidden("a simulated channel takes no webhooks")

    def incoming(self, request: HttpRequest, channel) -> Incoming:
        raise BadRequest("a simulated channel takes no webhooks")

    def status(self, request: HttpRequest, channel) -> StatusReport:
        raise BadRequest("a simulated channel takes no webhooks")

    def send(self, channel, msg, to: str, text: str) -> str | None:
        from haki.messaging.inbound import apply_status

        apply_status(channel, StatusReport(status="delivered", msg_uuid=str(msg.uuid)))
        return str(msg.uuid)
