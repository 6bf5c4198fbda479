"""Which gateway addresses Haki may send to. A channel's ``send_url`` is the one address
an organisation chooses for the server to call: without this check it could point the
server at the cloud's metadata service (169.254.169.254) or at services on its own
machine (Redis, PostgreSQL). Checked when a channel is provisioned and again before
every send, since what a name resolves to can change."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from haki.messaging.channels import SendFailed

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeSendUrl(ValueError):
    """The URL may not be called; the message says why, without the URL."""


def check_send_url(url: str, allow_local: bool) -> None:
    """Raise UnsafeSendUrl unless ``url`` is http(s) to an address Haki may call:
    never link-local (IPv4 169.254/16, IPv6 fe80::/10), and loopback (127/8, ::1, and
    the unspecified 0.0.0.0 and ::, which reach this machine) only when ``allow_local``.
    A name is checked for every address it resolves to; one that does not resolve is
    not refused here, as the request itself would fail."""
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port
    except ValueError:
        raise UnsafeSendUrl("is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise UnsafeSendUrl("must be an http:// or https:// URL")
    for address in _addresses(host):
        kind = _kind(address)
        if kind == "link-local":
            raise UnsafeSendUrl("points at a link-local address, which is never allowed")
        if kind == "local" and not allow_local:
            raise UnsafeSendUrl(
                "points at this machine (loopback), which the organisation does not allow "
                "(allow_local_gateways)"
            )


def check_channel(channel) -> None:
    """SendFailed, not to be retried, when the channel's ``send_url`` may not be called."""
    url = channel.config.get("send_url")
    if url:
        try:
            check_send_url(url, channel.organisation.allow_local_gateways)
        except UnsafeSendUrl as exc:
            raise SendFailed(f"send_url refused: it {exc}", retry=False) from None


def _addresses(host: str) -> list[Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):  # does not resolve (now): the request would fail too
        return []
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in found]


def _kind(address: Address) -> str:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_link_local:
        return "link-local"
    if address.is_loopback or address.is_unspecified:
        return "local"
    return "public"
