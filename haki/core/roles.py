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
    # Staff of a clinic, drop-in centre or legal aid office: confirms its own referrals.
    SERVICE_PROVIDER = "service_provider", _("Service provider")


# Who works with identifiable people (members, responders); police allies and analysts
# never do, except what is referred to them with consent (crisis issue).
PEOPLE_WORKERS = (Role.OWNER, Role.COORDINATOR, Role.CASEWORKER, Role.OPERATOR)
MANAGERS = (Role.OWNER, Role.COORDINATOR)
