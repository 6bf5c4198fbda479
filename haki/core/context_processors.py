from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# The main navigation: (url name, label, permission checked on the organisation).
NAVIGATION = [
    ("core:home", _("Home"), "core.view_home"),
    ("crisis:board", _("Hotline"), "crisis.view_board"),
    ("members:list", _("Members"), "core.view_people"),
    ("crisis:responders", _("Responders"), "core.view_people"),
    ("messaging:inbox", _("Inbox"), "messaging.view_inbox"),
    ("messaging:log", _("Messages"), "messaging.view_log"),
    ("surveys:polls", _("Polls"), "surveys.manage"),
    ("surveys:broadcasts", _("Broadcasts"), "surveys.manage"),
    ("surveys:follow_ups", _("Calls"), "surveys.follow_up"),
    ("cases:list", _("Cases"), "cases.view_case"),
    ("cases:patterns", _("Patterns"), "cases.view_patterns"),
    ("reports:brief", _("Briefs"), "reports.view_brief"),
    ("reports:programme", _("Programme"), "reports.view_programme"),
    ("api:tokens", _("API tokens"), "api.manage_tokens"),
    ("core:settings", _("Settings"), "core.manage_organisation"),
    ("core:audit", _("Audit trail"), "core.view_audit"),
]


def haki(request: HttpRequest) -> dict[str, Any]:
    organisation = getattr(request, "organisation", None)
    nav = []
    if organisation is not None:
        nav = [
            {"url": reverse(name), "label": label}
            for name, label, perm in NAVIGATION
            if request.user.has_perm(perm, organisation)
        ]
    return {
        "site_name": settings.HAKI_SITE_NAME,
        "organisation": organisation,
        "membership": getattr(request, "membership", None),
        "nav": nav,
    }
