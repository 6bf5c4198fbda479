from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from haki.core.roles import Role
from haki.crisis.duty import uncovered_areas
from haki.crisis.figures import figures
from haki.crisis.models import Alert, Responder


def response(request: HttpRequest) -> dict[str, Any] | None:
    org = request.organisation
    if not request.user.has_perm("core.view_people", org):
        return None
    shown: dict[str, Any] = {
        "template": "crisis/panel_response.html",
        "on_duty": Responder.objects.filter(organisation=org, on_duty=True).count(),
        "uncovered": uncovered_areas(org),
    }
    if request.user.has_perm("crisis.view_figures", org):
        shown["figures"] = figures(org, timezone.now())
    return shown


def referred(request: HttpRequest) -> dict[str, Any] | None:
    """For those who see no board (police allies): the alerts texted to them, which
    happens only with the member's consent."""
    org = request.organisation
    if request.membership is None or request.membership.role != Role.POLICE_ALLY:
        return None
    alerts = (
        Alert.objects.filter(organisation=org, recipients__responder__user=request.user)
        .select_related("area")
        .distinct()
        .order_by("-raised_on")[:20]
    )
    return {"template": "crisis/panel_referred.html", "alerts": list(alerts)}
