"""The provisioning sections of polls and information keywords."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from haki.core.models import Organisation
from haki.core.provisioning import SLUG
from haki.members.provisioning import group_ids
from haki.provisioning import Changes, Context, Section, Spec, assign, named, register, save_all
from haki.provisioning.people import set_links
from haki.surveys.models import InfoText, Poll


class TargetSpec(Spec):
    areas: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)


class PollSpec(Spec):
    name: str = Field(pattern=SLUG, max_length=50)
    question: dict[str, str] = Field(min_length=1)
    target: TargetSpec = Field(default_factory=TargetSpec)
    schedule: str = ""
    window_hours: int = Field(48, ge=1, le=24 * 14)
    follow_up_on: Literal["yes", "no", ""] | None = None

    @field_validator("follow_up_on", mode="before")
    @classmethod
    def yes_or_no(cls, value: object) -> object:
        """Plain YAML reads an unquoted yes or no as a boolean: take it as meant."""
        if isinstance(value, bool):
            return "yes" if value else "no"
        return value

    @field_validator("schedule")
    @classmethod
    def readable_schedule(cls, value: str) -> str:
        from haki.surveys.models import valid_schedule

        if not valid_schedule(value):
            raise ValueError('must look like "mon,thu 10:00" (days: mon tue wed thu fri sat sun)')
        return value.strip().lower()


def check_polls(context: Context, items: list[PollSpec]) -> None:
    for i, poll in enumerate(items):
        for language in poll.question:
            context.check_language(("polls", i, "question", language), language)
        for j, code in enumerate(poll.target.areas):
            if code not in context.area_codes:
                context.problem(("polls", i, "target", "areas", j), f"no area with code {code!r}")
        for j, name in enumerate(poll.target.groups):
            if not re.match(SLUG, name):
                context.problem(
                    ("polls", i, "target", "groups", j), "a group name is a short lower-case word"
                )


def reconcile_polls(org: Organisation, items: list[PollSpec], changes: Changes) -> None:
    existing = {p.name: p for p in Poll.objects.filter(organisation=org)}
    areas = dict(org.areas.values_list("code", "pk"))
    wanted = {g for i in items if "target" in i.model_fields_set for g in i.target.groups}
    groups = group_ids(org, wanted)
    new, changed, columns, edits = [], [], set(), []
    targets: list[tuple[Poll, set[int], set[int]]] = []
    for item in items:
        poll = existing.get(item.name)
        created = poll is None
        poll = poll or Poll(organisation=org, name=item.name)
        given = named(item, created) & {"question", "schedule", "window_hours", "follow_up_on"}
        values = {f: getattr(item, f) for f in given}
        if "follow_up_on" in values:
            values["follow_up_on"] = values["follow_up_on"] or ""
        fields = assign(poll, values)
        if created or fields:
            poll.plan_next()
        if created:
            new.append(poll)
        elif fields:
            changed.append(poll)
            columns.update([*fields, "next_send_on"])
        if "target" in named(item, created):
            targets.append(
                (
                    poll,
                    {areas[c] for c in item.target.areas},
                    {groups[n] for n in item.target.groups},
                )
            )
        edits.append((poll, created, fields))
    save_all(Poll, new, changed, columns)
    by_area = set_links(Poll.areas, [(p, a) for p, a, _ in targets])
    by_group = set_links(Poll.groups, [(p, g) for p, _, g in targets])
    for index, (poll, created, fields) in enumerate(edits):
        if not created and poll.pk in by_area | by_group:
            fields = [*fields, "target"]
        changes.note("polls", index, poll, created, [] if created else fields)


class InfoSpec(Spec):
    keyword: str = Field(min_length=1, max_length=32)
    text: dict[str, str] = Field(min_length=1)


def check_info(context: Context, items: list[InfoSpec]) -> None:
    for i, info in enumerate(items):
        for language in info.text:
            context.check_language(("info", i, "text", language), language)


def reconcile_info(org: Organisation, items: list[InfoSpec], changes: Changes) -> None:
    existing = {i.keyword: i for i in InfoText.objects.filter(organisation=org)}
    new, changed = [], []
    for index, item in enumerate(items):
        info = existing.get(item.keyword)
        created = info is None
        info = info or InfoText(organisation=org, keyword=item.keyword)
        fields = assign(info, {"text": item.text})
        if created:
            new.append(info)
            existing[item.keyword] = info
        elif fields:
            changed.append(info)
        changes.note("info", index, info, created, [] if created else fields)
    save_all(InfoText, new, changed, ["text"])


register(
    Section(
        name="polls",
        item=PollSpec,
        reconcile=reconcile_polls,
        check=check_polls,
        after=("areas", "members"),
        many=True,
    )
)
register(
    Section(
        name="info",
        item=InfoSpec,
        reconcile=reconcile_info,
        check=check_info,
        after=("organisation",),
        many=True,
    )
)
