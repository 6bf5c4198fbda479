"""SMS gateways, one module each. Nothing outside ``haki.messaging`` knows what a
gateway is; each module turns its gateway's HTTP requests into ``Incoming`` texts and
``StatusReport``s, and sends a text through the gateway's own API."""

from __future__ import annotations

from functools import cache

from haki.messaging.channels.base import (
    CALL,
    CALL_ENDED,
    TEXT,
    BadRequest,
    Forbidden,
    Gateway,
    Incoming,
    SendFailed,
    StatusReport,
)


def gateway_for(channel_type: str) -> Gateway:
    return _gateways()[channel_type]


def channel_types() -> list[str]:
    """Every channel type a gateway module is registered for."""
    return sorted(_gateways())


@cache
def _gateways() -> dict[str, Gateway]:
    """One of each (they keep no state), made once: every webhook asks for one."""
    from haki.messaging.channels import africastalking, android, kannel, simulator, twilio

    return {
        "kn": kannel.Kannel(),
        "at": africastalking.AfricasTalking(),
        "t": twilio.Twilio(),
        "ex": android.Android(),
        "sim": simulator.Simulator(),
    }


__all__ = [
    "CALL",
    "CALL_ENDED",
    "TEXT",
    "BadRequest",
    "Forbidden",
    "Gateway",
    "Incoming",
    "SendFailed",
    "StatusReport",
    "channel_types",
    "gateway_for",
]
