"""System checks of what is configured in the database, for `haki check --deploy` and
for every process that starts (``haki.processes.require_migrated``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.db import DatabaseError


@checks.register(checks.Tags.security, deploy=True)
def no_simulated_channels(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A ``sim`` channel sends to no phone: outside the demo and development settings,
    members' texts would be answered into the void. Refused, not warned about."""
    if getattr(settings, "HAKI_SIMULATOR", False):
        return []
    from haki.messaging.models import Channel

    try:
        found = Channel.objects.filter(type=Channel.Type.SIMULATOR).count()
    except DatabaseError:  # no database yet, or not migrated: nothing configured to refuse
        return []
    if not found:
        return []
    return [
        checks.Error(
            f"{found} channel(s) of type 'sim' (the phone simulator) exist: texts sent "
            "through them reach no phone.",
            hint="Remove them or change their type to a real gateway (haki provision), "
            "or run the demo with haki.settings.dev.",
            id="haki.E001",
        )
    ]
