from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from haki.members.models import Member


def counts(request: HttpRequest) -> dict[str, Any] | None:
    org = request.organisation
    if not request.user.has_perm("core.view_people", org):
        return None
    return {
        "template": "members/panel_counts.html",
        "members": Member.objects.filter(organisation=org).reachable().count(),
        "areas": org.areas.count(),
    }
