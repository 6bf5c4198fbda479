"""Provisioning as code: ``haki provision FILE.yaml`` creates or updates one
organisation, its areas, channels, responders, staff and members.

The file is checked as a whole before anything is written: every problem is
reported with its line and field (never the value, which may be a phone number),
and then the whole file is applied in one transaction. Applying the same file again
changes nothing; a changed value is updated in place. Records missing from the file
are left alone: removing people is a deliberate act done elsewhere.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

import phonenumbers
import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from haki.core.models import (
    DEFAULT_TIERS,
    MINIMUM_K,
    Area,
    AuditEvent,
    Membership,
    Organisation,
)
from haki.core.phones import InvalidPhoneNumber, normalise_phone
from haki.core.roles import Role
from haki.crisis.models import Responder
from haki.members.models import Member, MemberGroup, normalise_codewords
from haki.messaging.models import Channel, Keyword, MessageTemplate
from haki.messaging.sendurls import UnsafeSendUrl, check_send_url

LANGUAGE_CODES = [code for code, _ in settings.LANGUAGES]
SLUG = r"^[a-z0-9][a-z0-9_-]*$"
ACTOR = "provisioning"


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OrganisationSpec(Spec):
    slug: str = Field(pattern=SLUG, max_length=50)
    name: str = Field(min_length=1, max_length=200)
    country: str
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


class ChannelSpec(Spec):
    uuid: UUID
    type: Literal["kn", "at", "t", "ex"]
    name: str = Field(min_length=1, max_length=100)
    address: str = Field(min_length=1, max_length=64)
    tps: int = Field(10, ge=1, le=1000)
    send_url: str | None = None
    username: str | None = None
    password: str | None = None
    api_key: str | None = None
    account_sid: str | None = None
    auth_token: str | None = None
    secret: str | None = None

    @field_validator("send_url")
    @classmethod
    def http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http:// or https:// URL")
        return value


class ResponderSpec(Spec):
    name: str = Field(min_length=1, max_length=200)
    phone: str
    tier: str
    areas: list[str] = Field(min_length=1)
    on_duty: bool = False
    language: str | None = None


class StaffSpec(Spec):
    username: str = Field(pattern=r"^[\w.@+-]+$", max_length=150)
    role: Role
    email: str | None = None


class ConsentsSpec(Spec):
    share_number_with_responders: bool = False
    allow_police_referral: bool = False


class MemberSpec(Spec):
    alias: str = Field(min_length=1, max_length=64)
    phone: str
    area: str
    language: str | None = None
    codewords: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    consents: ConsentsSpec = Field(default_factory=ConsentsSpec)


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

    @field_validator("schedule")
    @classmethod
    def readable_schedule(cls, value: str) -> str:
        from haki.surveys.models import SCHEDULE, WEEKDAYS

        found = SCHEDULE.match(value.strip().lower()) if value.strip() else None
        if value.strip() and (
            not found
            or any(day not in WEEKDAYS for day in found["days"].split(","))
            or int(found["hour"]) > 23
            or int(found["minute"]) > 59
        ):
            raise ValueError('must look like "mon,thu 10:00" (days: mon tue wed thu fri sat sun)')
        return value.strip().lower()


class InfoSpec(Spec):
    keyword: str = Field(min_length=1, max_length=32)
    text: dict[str, str] = Field(min_length=1)


class ProvisionSpec(Spec):
    """``templates`` rewords outgoing texts: {key: {language: text}}. ``keywords`` adds
    words for actions in any language: {language: {action: [words]}}."""

    organisation: OrganisationSpec
    areas: list[AreaSpec] = Field(default_factory=list)
    escalation: EscalationSpec = Field(default_factory=EscalationSpec)
    reports: ReportsSpec = Field(default_factory=ReportsSpec)
    channels: list[ChannelSpec] = Field(default_factory=list)
    responders: list[ResponderSpec] = Field(default_factory=list)
    staff: list[StaffSpec] = Field(default_factory=list)
    members: list[MemberSpec] = Field(default_factory=list)
    polls: list[PollSpec] = Field(default_factory=list)
    info: list[InfoSpec] = Field(default_factory=list)
    templates: dict[str, dict[str, str]] = Field(default_factory=dict)
    keywords: dict[str, dict[str, list[str]]] = Field(default_factory=dict)


@dataclass
class Problem:
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}: {self.field}: {self.message}"


class ProvisioningError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Summary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def count(self, created: bool, changed: bool) -> None:
        if created:
            self.created += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def _field_name(loc: tuple[Any, ...]) -> str:
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "(top level)"


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML node at ``loc``, or of its nearest parent."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
            if child is None:  # an unexpected key: point at the key itself
                child = next((k for k, _ in node.value if getattr(k, "value", None) == part), None)
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            child = node.value[part]
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line


def parse(text: str) -> tuple[ProvisionSpec, yaml.Node]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ProvisioningError(
            [Problem(mark.line + 1 if mark else None, "(yaml)", problem)]
        ) from None
    if not isinstance(data, dict):
        raise ProvisioningError(
            [Problem(1, "(top level)", "must be a mapping with an 'organisation'")]
        )
    try:
        spec = ProvisionSpec.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(_line_of(node, err["loc"]), _field_name(err["loc"]), err["msg"])
            for err in exc.errors(include_input=False, include_url=False)
        ]
        raise ProvisioningError(problems) from None
    return spec, node


def check(spec: ProvisionSpec, node: yaml.Node) -> None:
    """The rules that span several parts of the file or the existing database."""
    problems: list[Problem] = []

    def problem(loc: tuple[Any, ...], message: str) -> None:
        problems.append(Problem(_line_of(node, loc), _field_name(loc), message))

    org = spec.organisation
    codes = [a.code for a in spec.areas]
    existing = Organisation.objects.filter(slug=org.slug).first()
    known_areas = set(codes) | set(
        existing.areas.values_list("code", flat=True) if existing else []
    )
    parents = {a.code: a.parent for a in spec.areas}
    for i, area in enumerate(spec.areas):
        if codes.count(area.code) > 1 and codes.index(area.code) != i:
            problem(("areas", i, "code"), f"area {area.code!r} is listed twice")
        if area.parent and area.parent not in known_areas:
            problem(("areas", i, "parent"), f"no area with code {area.parent!r}")
        seen, cursor = {area.code}, area.parent
        while cursor in parents:
            if cursor in seen:
                problem(("areas", i, "parent"), "areas cannot be their own ancestors")
                break
            seen.add(cursor)
            cursor = parents[cursor]

    uuids = [c.uuid for c in spec.channels]
    for i, channel in enumerate(spec.channels):
        if uuids.count(channel.uuid) > 1 and uuids.index(channel.uuid) != i:
            problem(("channels", i, "uuid"), "this channel uuid is listed twice")
        owner = Channel.objects.filter(uuid=channel.uuid).exclude(organisation__slug=org.slug)
        if owner.exists():
            problem(("channels", i, "uuid"), "this channel uuid belongs to another organisation")
        if channel.send_url:
            try:
                check_send_url(channel.send_url, org.allow_local_gateways)
            except UnsafeSendUrl as exc:
                problem(("channels", i, "send_url"), str(exc))

    def check_phone(loc: tuple[Any, ...], raw: str, seen: dict[str, int]) -> None:
        try:
            e164 = normalise_phone(raw, org.country)
        except InvalidPhoneNumber as exc:
            problem(loc, str(exc))
            return
        if e164 in seen:
            problem(loc, f"the same number is already given at item {seen[e164]}")
        seen[e164] = loc[1]

    def check_language(loc: tuple[Any, ...], code: str | None) -> None:
        if code is not None and code not in org.languages:
            problem(loc, f"{code!r} is not one of the organisation's languages {org.languages}")

    responder_phones: dict[str, int] = {}
    for i, responder in enumerate(spec.responders):
        check_phone(("responders", i, "phone"), responder.phone, responder_phones)
        if responder.tier not in spec.escalation.tiers:
            problem(
                ("responders", i, "tier"),
                f"{responder.tier!r} is not one of the escalation tiers {spec.escalation.tiers}",
            )
        for j, code in enumerate(responder.areas):
            if code not in known_areas:
                problem(("responders", i, "areas", j), f"no area with code {code!r}")
        check_language(("responders", i, "language"), responder.language)

    usernames = [s.username for s in spec.staff]
    for i, staff in enumerate(spec.staff):
        if usernames.count(staff.username) > 1 and usernames.index(staff.username) != i:
            problem(("staff", i, "username"), f"{staff.username!r} is listed twice")

    member_phones: dict[str, int] = {}
    for i, member in enumerate(spec.members):
        check_phone(("members", i, "phone"), member.phone, member_phones)
        if member.area not in known_areas:
            problem(("members", i, "area"), f"no area with code {member.area!r}")
        check_language(("members", i, "language"), member.language)

    for i, poll in enumerate(spec.polls):
        for language in poll.question:
            check_language(("polls", i, "question", language), language)
        for j, code in enumerate(poll.target.areas):
            if code not in known_areas:
                problem(("polls", i, "target", "areas", j), f"no area with code {code!r}")
        for j, name in enumerate(poll.target.groups):
            if not re.match(SLUG, name):
                problem(
                    ("polls", i, "target", "groups", j), "a group name is a short lower-case word"
                )
    for i, info in enumerate(spec.info):
        for language in info.text:
            check_language(("info", i, "text", language), language)

    from haki.messaging.keywords import ACTIONS
    from haki.messaging.texts import DEFAULTS

    for key, texts in spec.templates.items():
        if key not in DEFAULTS:
            problem(("templates", key), f"no such message; known: {', '.join(sorted(DEFAULTS))}")
        for language, text in texts.items():
            check_language(("templates", key, language), language)
            if not text.strip() or len(text) > 480:
                problem(("templates", key, language), "must be 1 to 480 characters")
    for language, actions in spec.keywords.items():
        if language not in LANGUAGE_CODES:
            problem(("keywords", language), f"unknown language code; known: {LANGUAGE_CODES}")
        for action in actions:
            if action not in ACTIONS:
                problem(
                    ("keywords", language, action),
                    f"no such action; known: {', '.join(sorted(ACTIONS))}",
                )

    if problems:
        raise ProvisioningError(problems)


def load(text: str) -> ProvisionSpec:
    spec, node = parse(text)
    check(spec, node)
    return spec


def _update(obj: Any, **values: Any) -> bool:
    """Set the values that differ; report whether anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _group(org: Organisation, name: str) -> MemberGroup:
    group, _ = MemberGroup.objects.get_or_create(organisation=org, name=name)
    return group


def _by_phone(model: Any, org: Organisation, phone: str) -> tuple[Any, bool]:
    """The person of ``org`` with this number, or a new unsaved one (and True)."""
    existing = model.objects.with_phone(org, phone).first()
    if existing is not None:
        return existing, False
    person = model(organisation=org)
    person.phone = phone
    return person, True


def _save(obj: Any, created: bool, changed: bool, summary: Summary) -> None:
    if created or changed:
        obj.save()
        AuditEvent.record(
            ACTOR, AuditEvent.Action.CREATE if created else AuditEvent.Action.CHANGE, obj
        )
    summary.count(created, changed)


@transaction.atomic
def apply(spec: ProvisionSpec) -> tuple[Organisation, Summary]:
    summary = Summary()
    o = spec.organisation
    org = Organisation.objects.filter(slug=o.slug).first()
    created = org is None
    org = org or Organisation(slug=o.slug)
    changed = _update(
        org,
        name=o.name,
        country=o.country,
        timezone=o.timezone,
        languages=o.languages,
        allow_local_gateways=o.allow_local_gateways,
        ack_timeout_seconds=spec.escalation.ack_timeout_seconds,
        escalation_tiers=spec.escalation.tiers,
        suppression_k=spec.reports.k,
        brief_area_depth=spec.reports.area_depth,
    )
    _save(org, created, changed, summary)

    # Areas in two passes so that a parent may be listed after its children.
    areas = {a.code: a for a in org.areas.all()}
    pending: dict[str, tuple[bool, bool]] = {}
    for item in spec.areas:
        area = areas.get(item.code)
        created = area is None
        area = area or Area(organisation=org, code=item.code)
        pending[item.code] = (created, _update(area, name=item.name, geometry=item.geometry))
        if created:
            area.save()
        areas[item.code] = area
    for item in spec.areas:
        area = areas[item.code]
        created, changed = pending[item.code]
        moved = _update(area, parent_id=areas[item.parent].pk if item.parent else None)
        _save(area, created, changed or moved, summary)

    for item in spec.channels:
        channel = Channel.objects.filter(uuid=item.uuid).first()
        created = channel is None
        channel = channel or Channel(uuid=item.uuid, organisation=org)
        changed = _update(
            channel, type=item.type, name=item.name, address=item.address, tps=item.tps
        )
        settings_ = item.model_dump(exclude={"uuid", "type", "name", "address", "tps"})
        if created or (channel.config, channel.secrets) != Channel.split_settings(settings_):
            channel.configure(settings_)
            changed = True
        _save(channel, created, changed, summary)

    for item in spec.responders:
        responder, created = _by_phone(Responder, org, item.phone)
        changed = _update(
            responder,
            tier=item.tier,
            on_duty=item.on_duty,
            language=item.language or org.default_language,
        )
        if responder.name != item.name:
            responder.name = item.name
            changed = True
        wanted_areas = {areas[code].pk for code in item.areas}
        areas_changed = created or set(responder.areas.values_list("pk", flat=True)) != wanted_areas
        _save(responder, created, changed or areas_changed, summary)
        if areas_changed:
            responder.areas.set(wanted_areas)

    User = get_user_model()
    for item in spec.staff:
        user = User.objects.filter(username=item.username).first()
        if user is None:
            user = User(username=item.username, email=item.email or "")
            user.set_unusable_password()
            user.save()
            AuditEvent.record(ACTOR, AuditEvent.Action.CREATE, user, organisation=org)
        membership = Membership.objects.filter(user=user, organisation=org).first()
        created = membership is None
        membership = membership or Membership(user=user, organisation=org)
        changed = _update(membership, role=item.role)
        _save(membership, created, changed, summary)

    for item in spec.members:
        member, created = _by_phone(Member, org, item.phone)
        changed = _update(
            member,
            alias=item.alias,
            area_id=areas[item.area].pk,
            language=item.language or org.default_language,
            share_number_with_responders=item.consents.share_number_with_responders,
            allow_police_referral=item.consents.allow_police_referral,
        )
        codewords = normalise_codewords(member, item.codewords)
        if member.codewords != codewords:
            member.codewords = codewords
            changed = True
        wanted_groups = {_group(org, name).pk for name in item.groups}
        # A member not yet saved has no groups to read.
        current_groups = set() if created else set(member.groups.values_list("pk", flat=True))
        groups_changed = current_groups != wanted_groups
        _save(member, created, changed or groups_changed, summary)
        if groups_changed:
            member.groups.set(wanted_groups)

    for key, texts in spec.templates.items():
        for language, text in texts.items():
            template = MessageTemplate.objects.filter(
                organisation=org, key=key, language=language
            ).first()
            created = template is None
            template = template or MessageTemplate(organisation=org, key=key, language=language)
            _save(template, created, _update(template, text=text), summary)

    for language, actions in spec.keywords.items():
        for action, words in actions.items():
            for word in words:
                keyword = Keyword.objects.filter(organisation=org, word=word).first()
                created = keyword is None
                keyword = keyword or Keyword(organisation=org, word=word)
                _save(keyword, created, _update(keyword, action=action, language=language), summary)

    from haki.surveys.models import InfoText, Poll

    for item in spec.polls:
        poll = Poll.objects.filter(organisation=org, name=item.name).first()
        created = poll is None
        poll = poll or Poll(organisation=org, name=item.name)
        changed = _update(
            poll,
            question=item.question,
            schedule=item.schedule,
            window_hours=item.window_hours,
            follow_up_on=item.follow_up_on or "",
        )
        if created or changed:
            poll.plan_next()
        wanted_areas = {areas[code].pk for code in item.target.areas}
        wanted_groups = {_group(org, name).pk for name in item.target.groups}
        targets_changed = created or (
            set(poll.areas.values_list("pk", flat=True)) != wanted_areas
            or set(poll.groups.values_list("pk", flat=True)) != wanted_groups
        )
        _save(poll, created, changed or targets_changed, summary)
        if targets_changed:
            poll.areas.set(wanted_areas)
            poll.groups.set(wanted_groups)

    for item in spec.info:
        info = InfoText.objects.filter(organisation=org, keyword=item.keyword).first()
        created = info is None
        info = info or InfoText(organisation=org, keyword=item.keyword)
        _save(info, created, _update(info, text=item.text), summary)

    return org, summary
