"""The address a request really came from, as the trusted reverse proxies report it.

Behind nginx every request arrives from 127.0.0.1; the visitor's address is in
``X-Forwarded-For``, to which each proxy appends the address it saw. Anyone can send
that header, so it is read only when the request came from a proxy listed in
``HAKI_TRUSTED_PROXIES``, and only from the right: the first hop that is not a trusted
proxy is the client as our outermost proxy saw it; what lies left of it is the
client's own say and is ignored. Sign-in lockout and channel IP allowlists both use it.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address

from django.conf import settings
from django.http import HttpRequest


def _address(value: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address: IPv4Address | IPv6Address) -> bool:
    return any(address in network for network in settings.HAKI_TRUSTED_PROXIES)


def client_address(request: HttpRequest) -> str:
    """The client's IP address; REMOTE_ADDR unless it is a trusted proxy. A request
    over a unix socket (no REMOTE_ADDR) can only come from a proxy on this host."""
    remote = request.META.get("REMOTE_ADDR", "")
    seen = _address(remote)
    if remote and (seen is None or not _trusted(seen)):
        return remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # not written by a proxy of ours: stop at the last one we trust
        seen = address
        if not _trusted(address):
            break
    return str(seen) if seen is not None else remote
