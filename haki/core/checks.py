"""System checks that stop ``check --deploy`` and every server start (``haki web``,
``worker``, ``serve`` run them first) on a configuration that cannot work."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


@register()
def master_key_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """A master key that is not a Fernet key would let the server start and then fail
    on every text that needs encrypting (and spool none of them)."""
    from haki.core import crypto

    crypto.master.cache_clear()
    try:
        crypto.master()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="haki.E001")]
    return []
