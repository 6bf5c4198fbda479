"""Permissions, evaluated against the organisation of the request.

``user.has_perm("members.view_member", request.organisation)`` is true when the user
holds one of the listed roles in that organisation. Object-level rules (an alert
referred to a police ally) are added by the apps that own those objects."""

from __future__ import annotations

from typing import Any

import rules

from haki.core.roles import MANAGERS, PEOPLE_WORKERS, Role


def role_in(*roles: str) -> rules.Predicate:
    allowed = frozenset(roles)

    @rules.predicate(name=f"role_in({','.join(sorted(allowed))})")
    def has_role(user: Any, organisation: Any) -> bool:
        if organisation is None or not user.is_authenticated:
            return False
        cache = user.__dict__.setdefault("_haki_roles", {})
        if organisation.pk not in cache:
            membership = user.memberships.filter(
                organisation=organisation, deactivated_on__isnull=True
            ).first()
            cache[organisation.pk] = membership.role if membership else None
        return cache[organisation.pk] in allowed

    return has_role


rules.add_perm("core.view_home", role_in(*Role.values))
rules.add_perm("core.view_audit", role_in(Role.OWNER))
rules.add_perm("core.view_people", role_in(*PEOPLE_WORKERS))
rules.add_perm("core.manage_people", role_in(*MANAGERS))
rules.add_perm("core.manage_organisation", role_in(*MANAGERS))
rules.add_perm("core.manage_staff", role_in(*MANAGERS))
# Resetting someone's password or authenticator: owners only (issue 13).
rules.add_perm("core.reset_credentials", role_in(Role.OWNER))
