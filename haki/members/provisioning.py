"""The provisioning section of members, found by their number through the HMAC index.
``save_members`` is also what the members importer writes with."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from pydantic import Field

from haki.core import words
from haki.core.models import Organisation
from haki.core.words import normalise
from haki.members.models import Member, MemberGroup, normalise_codewords
from haki.provisioning import Changes, Context, Section, Spec, assign, named, register, save_all
from haki.provisioning.people import by_phone, set_links, set_phone

GROUP = r"^[a-z0-9][a-z0-9_-]*$"
CONSENTS = ("share_number_with_responders", "allow_police_referral")


class ConsentsSpec(Spec):
    share_number_with_responders: bool = False
    allow_police_referral: bool = False


class MemberSpec(Spec):
    alias: str = Field(min_length=1, max_length=64)
    phone: str
    area: str
    language: str | None = None
    codewords: list[str] = Field(default_factory=list, max_length=20)
    groups: list[str] = Field(default_factory=list, max_length=50)
    consents: ConsentsSpec = Field(default_factory=ConsentsSpec)


def codeword_problem(word: str, reserved: set[str]) -> str | None:
    """Why a codeword cannot be used, or None. Never repeats the word (it is secret)."""
    key = normalise(word)
    if not key:
        return _("a codeword needs a letter or a digit")
    if len(word) > 32:
        return _("a codeword is at most 32 characters")
    if key in reserved or key.split(" ")[0] in reserved:
        return _("this codeword is already a keyword; choose another")
    return None


def reserved_words(organisation: Organisation | None) -> set[str]:
    """What a codeword may neither equal nor start with: every command word, keyword and
    information keyword. Other members' codewords are matched only for their own sender,
    so they are not read (nor opened) here."""
    return set(words.claims(organisation, leave_out=[Member.codewords_held]))


def file_words(context: Context) -> set[str]:
    """Keywords the same file adds: a codeword may not equal them either."""
    added = [info.keyword for info in context.items("info") or []]
    for actions in (context.items("keywords") or {}).values():
        added += [w for ws in actions.values() for w in ws]
    return {normalise(w) for w in added}


def check_members(context: Context, items: list[MemberSpec]) -> None:
    phones: dict[str, int] = {}
    reserved = reserved_words(context.organisation) | file_words(context)
    for i, member in enumerate(items):
        context.check_phone(("members", i, "phone"), member.phone, phones)
        if member.area not in context.area_codes:
            context.problem(("members", i, "area"), f"no area with code {member.area!r}")
        context.check_language(("members", i, "language"), member.language)
        for j, word in enumerate(member.codewords):
            reason = codeword_problem(word, reserved)
            if reason:
                context.problem(("members", i, "codewords", j), reason)
        for j, name in enumerate(member.groups):
            if not re.match(GROUP, name) or len(name) > 50:
                context.problem(
                    ("members", i, "groups", j), "a group name is a short lower-case word"
                )


def group_ids(org: Organisation, names: set[str]) -> dict[str, int]:
    """The organisation's groups by name, the missing ones created: two statements."""
    groups = dict(MemberGroup.objects.filter(organisation=org).values_list("name", "pk"))
    missing = [MemberGroup(organisation=org, name=n) for n in sorted(names - set(groups))]
    MemberGroup.objects.bulk_create(missing)
    groups.update({g.name: g.pk for g in missing})
    return groups


def _values(org: Organisation, item: MemberSpec, created: bool, areas: dict) -> dict[str, Any]:
    given = named(item, created)
    values: dict[str, Any] = {f: getattr(item, f) for f in given & {"alias"}}
    if "area" in given:
        values["area_id"] = areas[item.area]
    if "language" in given:
        values["language"] = item.language or org.default_language
    if "consents" in given:
        consents = item.consents
        values.update({c: getattr(consents, c) for c in named(consents, created) & set(CONSENTS)})
    return values


def save_members(
    org: Organisation,
    items: Sequence[MemberSpec],
    changes: Changes,
    section: str = "members",
    places: Sequence[Any] | None = None,
    found: list[tuple[str, Member | None]] | None = None,
) -> None:
    """Create or update one member per item, by number; ``places`` says where each
    item came from (its index in the section, or a file's row number); ``found`` is
    what ``by_phone`` gave for the items, if the caller looked them up already."""
    found = found or by_phone(Member, org, [i.phone for i in items])
    areas = dict(org.areas.values_list("code", "pk"))
    groups = group_ids(org, {g for i in items if "groups" in i.model_fields_set for g in i.groups})
    new, changed, columns, edits = [], [], set(), []
    links: list[tuple[Member, set[int]]] = []
    for item, (number, member) in zip(items, found, strict=True):
        created = member is None
        if created:
            member = Member(organisation=org)
            set_phone(member, number)
            new.append(member)
        fields = assign(member, _values(org, item, created, areas))
        if "codewords" in named(item, created):
            words = normalise_codewords(member, item.codewords)
            if created or member.codewords != words:
                member.codewords = words
                fields.append("codewords_sealed")
        if not created and fields:
            changed.append(member)
            columns.update(fields)
        if "groups" in item.model_fields_set:
            links.append((member, {groups[name] for name in item.groups}))
        edits.append((member, created, fields))
    save_all(Member, new, changed, columns)
    regrouped = set_links(Member.groups, links)
    for place, (member, created, fields) in zip(places or range(len(items)), edits, strict=True):
        if not created and member.pk in regrouped:
            fields = [*fields, "groups"]
        changes.note(section, place, member, created, [] if created else fields)


def reconcile_members(org: Organisation, items: list[MemberSpec], changes: Changes) -> None:
    save_members(org, items, changes)


register(
    Section(
        name="members",
        item=MemberSpec,
        reconcile=reconcile_members,
        check=check_members,
        after=("areas", "keywords"),
        many=True,
    )
)
