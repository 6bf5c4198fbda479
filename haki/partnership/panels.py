"""The partnership's panel on the home page: overdue actions, for coordinators."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from haki.partnership.models import Action

SHOWN = 10


def overdue_actions(request: HttpRequest) -> dict[str, Any] | None:
    """Coordinators see the actions of plans and meetings past their due date."""
    org = request.organisation
    if org is None or not request.user.has_perm("partnership.manage_plans", org):
        return None
    today = timezone.localdate(timezone=org.tzinfo)
    overdue = Action.objects.filter(organisation=org).overdue(today)
    total = overdue.count()
    if not total:
        return None
    shown = overdue.select_related("plan", "meeting").order_by("due_on", "pk")[:SHOWN]
    return {"template": "partnership/panel_overdue.html", "actions": shown, "total": total}
