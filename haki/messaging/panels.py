from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest

from haki.messaging.models import Channel

# How long every send through a channel must have failed before coordinators are told:
# long enough to ride out a gateway restart, short against an alert's ten minutes.
FAILED_FOR_MINUTES = 5


def failing_channels(request: HttpRequest) -> dict[str, Any] | None:
    """Coordinators see on their home page a channel that has failed for five minutes."""
    org = request.organisation
    if not request.user.has_perm("messaging.view_log", org):
        return None
    failing = list(
        Channel.objects.filter(organisation=org).failed_for(timedelta(minutes=FAILED_FOR_MINUTES))
    )
    if not failing:
        return None
    return {"template": "messaging/panel_failing.html", "channels": failing}
