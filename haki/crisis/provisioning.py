"""The provisioning section of responders, found by their number."""

from __future__ import annotations

from typing import Literal

from django.contrib.auth import get_user_model
from pydantic import Field

from haki.core.models import Membership, Organisation
from haki.crisis import flash
from haki.crisis.models import Responder
from haki.provisioning import Changes, Context, Section, Spec, assign, named, register, save_all
from haki.provisioning.people import by_phone, set_links, set_phone


class ResponderSpec(Spec):
    name: str = Field(min_length=1, max_length=200)
    phone: str
    tier: str
    areas: list[str] = Field(min_length=1)
    on_duty: bool = False
    language: str | None = None
    # The staff login of this responder (a police ally's, say): its home page lists the
    # alerts texted to this responder.
    login: str | None = Field(default=None, max_length=150)


def check_responders(context: Context, items: list[ResponderSpec]) -> None:
    phones: dict[str, int] = {}
    for i, responder in enumerate(items):
        context.check_phone(("responders", i, "phone"), responder.phone, phones)
        if responder.tier not in context.tiers:
            context.problem(
                ("responders", i, "tier"),
                f"{responder.tier!r} is not one of the escalation tiers {context.tiers}",
            )
        for j, code in enumerate(responder.areas):
            if code not in context.area_codes:
                context.problem(("responders", i, "areas", j), f"no area with code {code!r}")
        context.check_language(("responders", i, "language"), responder.language)
        if responder.login is not None and responder.login not in logins(context):
            context.problem(("responders", i, "login"), f"no staff login {responder.login!r}")


def logins(context: Context) -> set[str]:
    """The staff usernames of the file and of the organisation as it stands."""
    names = {staff.username for staff in context.items("staff") or []}
    if context.organisation is not None:
        names |= set(
            Membership.objects.filter(organisation=context.organisation).values_list(
                "user__username", flat=True
            )
        )
    return names


def users_by_login(org: Organisation, items: list[ResponderSpec]) -> dict[str, object]:
    wanted = {item.login for item in items if item.login}
    users = get_user_model().objects.filter(username__in=wanted, memberships__organisation=org)
    return {user.username: user for user in users}


def reconcile_responders(org: Organisation, items: list[ResponderSpec], changes: Changes) -> None:
    found = by_phone(Responder, org, [i.phone for i in items])
    areas = dict(org.areas.values_list("code", "pk"))
    users = users_by_login(org, items)
    new, changed, columns, edits = [], [], set(), []
    links: list[tuple[Responder, set[int]]] = []
    for item, (number, responder) in zip(items, found, strict=True):
        created = responder is None
        if created:
            responder = Responder(organisation=org)
            set_phone(responder, number)
            new.append(responder)
        given = named(item, created)
        values = {f: getattr(item, f) for f in given & {"tier", "on_duty"}}
        if "login" in given:
            values["user"] = users.get(item.login) if item.login else None
        if "language" in given:
            values["language"] = item.language or org.default_language
        fields = assign(responder, values)
        if "name" in given and (created or responder.name != item.name):
            responder.name = item.name
            fields.append("name_sealed")
        if not created and fields:
            changed.append(responder)
            columns.update(fields)
        if "areas" in given:
            links.append((responder, {areas[code] for code in item.areas}))
        edits.append((responder, created, fields))
    save_all(Responder, new, changed, columns)
    moved = set_links(Responder.areas, links)
    for index, (responder, created, fields) in enumerate(edits):
        if not created and responder.pk in moved:
            fields = [*fields, "areas"]
        changes.note("responders", index, responder, created, [] if created else fields)


register(
    Section(
        name="responders",
        item=ResponderSpec,
        reconcile=reconcile_responders,
        check=check_responders,
        after=("areas", "escalation", "staff"),
        many=True,
    )
)


class MissedCallSpec(Spec):
    unknown_numbers: Literal["inbox", "coordinators"] = flash.INBOX_ONLY


def reconcile_missed_calls(org: Organisation, item: MissedCallSpec, changes: Changes) -> None:
    """``missed_calls: {unknown_numbers: inbox | coordinators}``: whether a flash from a
    number that is no member's also alerts the coordinator tier (it always lands in the
    inbox as a call to return)."""
    if "unknown_numbers" not in item.model_fields_set:
        return
    current = dict(org.settings or {})
    if current.get(flash.UNKNOWN_FLASH, flash.INBOX_ONLY) != item.unknown_numbers:
        current[flash.UNKNOWN_FLASH] = item.unknown_numbers
        org.settings = current
        org.save(update_fields=["settings", "modified_on"])
        changes.note("missed_calls", None, org, False, ["settings"])


register(
    Section(
        name="missed_calls",
        item=MissedCallSpec,
        reconcile=reconcile_missed_calls,
        after=("organisation",),
    )
)
