"""The provisioning sections of the organisation itself: its settings, escalation,
briefs, areas and staff."""

from __future__ import annotations

import re
import zoneinfo
from typing import Any

import phonenumbers
from django.conf import settings
from django.contrib.auth import get_user_model
from pydantic import Field, field_validator

from haki.core.models import DEFAULT_TIERS, MINIMUM_K, Area, Membership, Organisation
from haki.core.roles import Role
from haki.provisioning import (
    Changes,
    Context,
    Section,
    Spec,
    assign,
    named,
    register,
    save_all,
)

LANGUAGE_CODES = [code for code, _ in settings.LANGUAGES]
SLUG = r"^[a-z0-9][a-z0-9_-]*$"


class OrganisationSpec(Spec):
    """``name`` and ``country`` are needed to create the organisation; afterwards the
    file may name only what it changes."""

    slug: str = Field(pattern=SLUG, max_length=50)
    name: str = Field("", max_length=200)
    country: str = ""
    timezone: str = "UTC"
    languages: list[str] = Field(default_factory=lambda: ["en"], min_length=1)
    # Channels may send to a gateway on this machine (loopback): Kannel beside Haki.
    allow_local_gateways: bool = False

    @field_validator("country")
    @classmethod
    def known_country(cls, value: str) -> str:
        if value.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError("must be an ISO 3166 country code such as KE, IN, GH, MM or KG")
        return value.upper()

    @field_validator("timezone")
    @classmethod
    def known_timezone(cls, value: str) -> str:
        if value not in zoneinfo.available_timezones():
            raise ValueError("must be a time zone name such as Africa/Nairobi")
        return value

    @field_validator("languages")
    @classmethod
    def known_languages(cls, value: list[str]) -> list[str]:
        unknown = [code for code in value if code not in LANGUAGE_CODES]
        if unknown:
            raise ValueError(f"unknown language code(s) {unknown}; known: {LANGUAGE_CODES}")
        return value


def check_organisation(context: Context, item: OrganisationSpec) -> None:
    if context.organisation is None:
        for name in ("name", "country"):
            if not getattr(item, name):
                context.problem(("organisation", name), "is needed to create the organisation")


def reconcile_organisation(org: Organisation, item: OrganisationSpec, changes: Changes) -> None:
    created = org.pk is None
    values = {name: getattr(item, name) for name in named(item, created) - {"slug"}}
    changed = assign(org, values)
    if created or changed:
        org.save()
    changes.note("organisation", None, org, created, changed)


class EscalationSpec(Spec):
    ack_timeout_seconds: int = Field(600, ge=30, le=86400)
    tiers: list[str] = Field(default_factory=lambda: list(DEFAULT_TIERS), min_length=1)

    @field_validator("tiers")
    @classmethod
    def slug_tiers(cls, value: list[str]) -> list[str]:
        for tier in value:
            if not re.match(SLUG, tier) or len(tier) > 32:
                raise ValueError(f"tier {tier!r} must be a short lower-case word")
        if len(set(value)) != len(value):
            raise ValueError("each tier may appear only once")
        return value


class ReportsSpec(Spec):
    """Briefs for police leadership hide every count below ``k`` and show areas no
    deeper than ``area_depth`` in the tree (0 = top-level areas, 1 = their children)."""

    k: int = Field(MINIMUM_K, le=1000)
    area_depth: int = Field(1, ge=0, le=10)

    @field_validator("k")
    @classmethod
    def never_below_minimum(cls, value: int) -> int:
        if value < MINIMUM_K:
            raise ValueError(f"may be raised but never set below {MINIMUM_K}")
        return value


def _settings_of(name: str, columns: dict[str, str]):
    """A reconcile for a section that sets some of the organisation's own columns."""

    def reconcile(org: Organisation, item: Spec, changes: Changes) -> None:
        values = {columns[f]: getattr(item, f) for f in item.model_fields_set}
        changed = assign(org, values)
        if changed:
            org.save(update_fields=[*changed, "modified_on"])
        changes.note(name, None, org, False, changed)

    return reconcile


class AreaSpec(Spec):
    """``geometry``: the area's outline as a GeoJSON Polygon or MultiPolygon, for the
    patterns map."""

    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    parent: str | None = None
    geometry: dict[str, Any] | None = None

    @field_validator("geometry")
    @classmethod
    def polygon(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        if value.get("type") not in ("Polygon", "MultiPolygon"):
            raise ValueError("must be a GeoJSON geometry of type Polygon or MultiPolygon")
        if not isinstance(value.get("coordinates"), list) or not value["coordinates"]:
            raise ValueError("must have a non-empty list of coordinates")
        return {"type": value["type"], "coordinates": value["coordinates"]}


def check_areas(context: Context, items: list[AreaSpec]) -> None:
    codes = [a.code for a in items]
    parents = {a.code: a.parent for a in items}
    for i, area in enumerate(items):
        if codes.count(area.code) > 1 and codes.index(area.code) != i:
            context.problem(("areas", i, "code"), f"area {area.code!r} is listed twice")
        if area.parent and area.parent not in context.area_codes:
            context.problem(("areas", i, "parent"), f"no area with code {area.parent!r}")
        seen, cursor = {area.code}, area.parent
        while cursor in parents:
            if cursor in seen:
                context.problem(("areas", i, "parent"), "areas cannot be their own ancestors")
                break
            seen.add(cursor)
            cursor = parents[cursor]


def reconcile_areas(org: Organisation, items: list[AreaSpec], changes: Changes) -> None:
    areas = {a.code: a for a in org.areas.all()}
    new = [Area(organisation=org, code=i.code, name=i.name) for i in items if i.code not in areas]
    Area.objects.bulk_create(new)  # first, so that parents listed later can be named
    fresh = {a.code for a in new}
    areas.update({a.code: a for a in new})
    changed, columns = [], set()
    for index, item in enumerate(items):
        area, created = areas[item.code], item.code in fresh
        given = named(item, created)
        values = {f: getattr(item, f) for f in given & {"name", "geometry"}}
        if "parent" in given:
            values["parent_id"] = areas[item.parent].pk if item.parent else None
        fields = assign(area, values)
        if fields:
            changed.append(area)
            columns.update(fields)
        changes.note("areas", index, area, created, [] if created else fields)
    save_all(Area, [], changed, columns)


class StaffSpec(Spec):
    username: str = Field(pattern=r"^[\w.@+-]+$", max_length=150)
    role: Role
    email: str | None = None


def check_staff(context: Context, items: list[StaffSpec]) -> None:
    usernames = [s.username for s in items]
    for i, staff in enumerate(items):
        if usernames.count(staff.username) > 1 and usernames.index(staff.username) != i:
            context.problem(("staff", i, "username"), f"{staff.username!r} is listed twice")


def reconcile_staff(org: Organisation, items: list[StaffSpec], changes: Changes) -> None:
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=[i.username for i in items])}
    new_users = []
    for item in items:
        if item.username not in users:
            user = User(username=item.username, email=item.email or "")
            user.set_unusable_password()
            users[item.username] = user
            new_users.append(user)
    User.objects.bulk_create(new_users)
    for user in new_users:
        changes.audit("create", user)
    memberships = {
        m.user_id: m for m in Membership.objects.filter(organisation=org, user__in=users.values())
    }
    new, changed = [], []
    for index, item in enumerate(items):
        user = users[item.username]
        membership = memberships.get(user.pk)
        created = membership is None
        membership = membership or Membership(user=user, organisation=org)
        fields = assign(membership, {"role": item.role})
        if created:
            new.append(membership)
        elif fields:
            changed.append(membership)
        changes.note("staff", index, membership, created, [] if created else fields)
    save_all(Membership, new, changed, ["role"])


register(
    Section(
        name="organisation",
        item=OrganisationSpec,
        reconcile=reconcile_organisation,
        check=check_organisation,
        required=True,
    )
)
register(
    Section(
        name="escalation",
        item=EscalationSpec,
        reconcile=_settings_of(
            "escalation",
            {"ack_timeout_seconds": "ack_timeout_seconds", "tiers": "escalation_tiers"},
        ),
        after=("organisation",),
    )
)
register(
    Section(
        name="reports",
        item=ReportsSpec,
        reconcile=_settings_of("reports", {"k": "suppression_k", "area_depth": "brief_area_depth"}),
        after=("organisation",),
    )
)
register(
    Section(
        name="areas",
        item=AreaSpec,
        reconcile=reconcile_areas,
        check=check_areas,
        after=("organisation",),
        many=True,
    )
)
register(
    Section(
        name="staff",
        item=StaffSpec,
        reconcile=reconcile_staff,
        check=check_staff,
        after=("organisation",),
        many=True,
    )
)
