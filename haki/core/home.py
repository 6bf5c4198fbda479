"""The home page is made of panels that each app contributes (member counts, alert
figures), so that core needs to know nothing of the apps above it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

Panel = Callable[[HttpRequest], dict[str, Any] | None]
PANELS: list[Panel] = []


def register(panel: Panel) -> None:
    """``panel(request)`` returns {"template": ..., ...} or None when not for this user."""
    if panel not in PANELS:
        PANELS.append(panel)


def panels_for(request: HttpRequest) -> list[dict[str, Any]]:
    return [shown for panel in PANELS if (shown := panel(request)) is not None]
