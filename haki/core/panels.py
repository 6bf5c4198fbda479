"""Core's panel on the home page: what owners must know about their staff's security."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from haki.core.models import AuditEvent

AUTHENTICATOR = "otp_totp.totpdevice"
NOTICE_DAYS = 14


def security_notices(request: HttpRequest) -> dict[str, Any] | None:
    """Owners see, for two weeks, every authenticator removed in their organisation:
    if they did not expect it, someone may hold that person's password."""
    org = request.organisation
    if not request.user.has_perm("core.view_audit", org):
        return None
    removed = list(
        AuditEvent.objects.filter(
            organisation=org,
            action=AuditEvent.Action.DELETE,
            object_type=AUTHENTICATOR,
            created_on__gte=timezone.now() - timedelta(days=NOTICE_DAYS),
        ).order_by("-seq")[:20]
    )
    if not removed:
        return None
    return {"template": "core/panel_security.html", "removed": removed}
