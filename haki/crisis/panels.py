from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from haki.crisis.duty import uncovered_areas
from haki.crisis.figures import figures
from haki.crisis.models import Responder


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
