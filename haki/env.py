"""Typed readers for settings that come from the environment.

Each reader fails loudly (ImproperlyConfigured) on a value it cannot use, so a
misconfigured deployment stops at start-up instead of misbehaving later. A secret
may also come from a file named by ``<NAME>_FILE`` (Docker/systemd credentials).
"""

from __future__ import annotations

import os
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}.")


def env_int(name: str, default: int, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str) -> str | None:
    """The secret in ``NAME``, or the contents of the file named by ``NAME_FILE``."""
    value = os.environ.get(name)
    path = os.environ.get(f"{name}_FILE")
    if value and path:
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both.")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{name}_FILE={path} cannot be read: {exc.strerror}."
            ) from None
    return value.strip() if value else None


def env_networks(name: str, default: str = "") -> list[IPv4Network | IPv6Network]:
    """Addresses or networks (``127.0.0.1``, ``10.0.0.0/8``, ``::1``), comma-separated.

    A bare number is refused rather than guessed at: ``HAKI_TRUSTED_PROXIES`` once
    counted proxies, and reading ``1`` as an address would trust nobody silently."""
    raw = os.environ.get(name)
    networks = []
    for item in (default if raw is None else raw).split(","):
        item = item.strip()
        if not item:
            continue
        if item.isdigit():
            raise ImproperlyConfigured(
                f"{name} lists addresses or networks (e.g. 127.0.0.1,::1), not a number "
                f"({item!r}); see docs/configuration.md."
            )
        try:
            networks.append(ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must list IP addresses or networks, not {item!r}."
            ) from None
    return networks
