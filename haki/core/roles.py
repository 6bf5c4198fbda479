"""Staff roles and what each may do. One table, read by the permission rules and by
the templates; a role change here changes access everywhere."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    COORDINATOR = "coordinator", _("Coordinator")
    CASEWORKER = "caseworker", _("Caseworker")
    OPERATOR = "operator", _("Hotline operator")
    POLICE_ALLY = "police_ally", _("Police ally")
    ANALYST = "analyst", _("Analyst")


# Who works with identifiable people (members, responders); police allies and analysts
# never do, except what is referred to them with consent (crisis issue).
PEOPLE_WORKERS = (Role.OWNER, Role.COORDINATOR, Role.CASEWORKER, Role.OPERATOR)
MANAGERS = (Role.OWNER, Role.COORDINATOR)

# What each role is here for, said on its home page before the pages it can open.
PURPOSE = {
    # No product name: the site calls itself what HAKI_SITE_NAME says.
    Role.OWNER: _("You run this organisation here: everything below, and the audit trail."),
    Role.COORDINATOR: _(
        "You lead the programme: the hotline, members, responders, polls, cases and briefs."
    ),
    Role.CASEWORKER: _("You follow up on alerts and document cases."),
    Role.OPERATOR: _("You answer the hotline: log calls as alerts and follow them until closed."),
    Role.POLICE_ALLY: _(
        "You see the alerts referred to you, with the member's consent, and answer them by "
        "SMS: reply ACK and the alert's reference to take one, DONE and the reference when "
        "it is finished."
    ),
    Role.ANALYST: _(
        "You see counts, never people: briefs whose small numbers are hidden so that "
        "nobody can be recognised."
    ),
}
