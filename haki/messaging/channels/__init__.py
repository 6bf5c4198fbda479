"""SMS gateways, one module each. Nothing outside ``haki.messaging`` knows what a
gateway is; each module turns its gateway's HTTP requests into ``Incoming`` texts and
``StatusReport``s, and sends a text through the gateway's own API."""

from __future__ import annotations

from functools import cache

from haki.messaging.channels.base import (
    CALL,
    CALL_ENDED,
    TEXT,
    Action,
    BadRequest,
    Forbidden,
    Gateway,
    Incoming,
    Kind,
    SendFailed,
    StatusReport,
)


def gateway_for(channel_type: str) -> Gateway:
    return _gateways()[channel_type]


def channel_types() -> list[str]:
    """Every channel type a gateway module is registered for."""
    return sorted(_gateways())


@cache
def methods_for(action: str) -> frozenset[str]:
    """The HTTP methods any gateway takes ``action`` by: a request by any other method
    is answered 405 before the channel is looked up."""
    return frozenset(
        method
        for gateway in _gateways().values()
        for method in getattr(gateway.actions.get(action), "methods", ())
    )


@cache
def _gateways() -> dict[str, Gateway]:
    """One of each (they keep no state), made once: every webhook asks for one."""
    from haki.messaging.channels import (
        africastalking,
        android,
        external,
        kannel,
        relayer,
        simulator,
        twilio,
    )

    return {
        "kn": kannel.Kannel(),
        "at": africastalking.AfricasTalking(),
        "t": twilio.Twilio(),
        "ex": external.External(),
        "a": relayer.Relayer(),
        "ha": android.Android(),
        "sim": simulator.Simulator(),
    }


__all__ = [
    "CALL",
    "CALL_ENDED",
    "TEXT",
    "Action",
    "BadRequest",
    "Forbidden",
    "Gateway",
    "Incoming",
    "Kind",
    "SendFailed",
    "StatusReport",
    "channel_types",
    "gateway_for",
    "methods_for",
]
