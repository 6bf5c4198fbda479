"""The provisioning sections of messaging: channels, the organisation's wording of
outgoing texts, and its own keywords."""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Literal
from uuid import UUID

from django.db import transaction
from pydantic import Field, field_validator

from haki.core.models import Organisation
from haki.core.provisioning import LANGUAGE_CODES
from haki.messaging import directory
from haki.messaging.channels import channel_types
from haki.messaging.channels.external import variables_in_host
from haki.messaging.models import Channel, Keyword, MessageTemplate
from haki.messaging.sendurls import UnsafeSendUrl, check_send_url
from haki.provisioning import (
    Changes,
    Context,
    Section,
    Spec,
    assign,
    reconciled,
    register,
    save_all,
)

COLUMNS = ("type", "name", "address", "tps")


class ChannelSpec(Spec):
    """``type`` is any registered gateway type. ``allowed_ips``: the addresses or
    networks (CIDR) the gateway's webhooks may come from; none means any."""

    uuid: UUID
    type: str
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
    # RapidPro's External (ex): how send_url is called; RapidPro's Android (a): its id.
    send_method: Literal["GET", "POST", "PUT"] | None = None
    content_type: Literal["urlencoded", "json", "xml"] | None = None
    send_body: str | None = Field(None, max_length=1000)
    relayer_id: int | None = Field(None, gt=0, lt=2**63)
    allowed_ips: list[str] | None = Field(None, max_length=100)

    @field_validator("type")
    @classmethod
    def known_type(cls, value: str) -> str:
        if value not in channel_types():
            raise ValueError(f"must be one of the channel types {channel_types()}")
        return value

    @field_validator("send_url")
    @classmethod
    def http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http:// or https:// URL")
        if value is not None and variables_in_host(value):
            raise ValueError(
                "variables such as {{to}} may stand in the path or query, not the host"
            )
        return value

    @field_validator("allowed_ips")
    @classmethod
    def networks(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        found = []
        for i, net in enumerate(value):
            try:
                found.append(str(ipaddress.ip_network(net.strip(), strict=False)))
            except ValueError:
                raise ValueError(
                    f"item {i} must be an IP address or a network such as 10.0.0.0/24"
                ) from None
        return found


def check_channels(context: Context, items: list[ChannelSpec]) -> None:
    uuids = [c.uuid for c in items]
    taken = set(
        Channel.objects.filter(uuid__in=uuids)
        .exclude(organisation__slug=context.spec.organisation.slug)
        .values_list("uuid", flat=True)
    )
    for i, channel in enumerate(items):
        if uuids.count(channel.uuid) > 1 and uuids.index(channel.uuid) != i:
            context.problem(("channels", i, "uuid"), "this channel uuid is listed twice")
        if channel.uuid in taken:
            context.problem(
                ("channels", i, "uuid"), "this channel uuid belongs to another organisation"
            )
        if channel.relayer_id is not None and (
            Channel.objects.filter(config__relayer_id=channel.relayer_id)
            .exclude(uuid=channel.uuid)
            .exists()
        ):
            context.problem(("channels", i, "relayer_id"), "another channel has this relayer_id")
        if channel.send_url:
            try:
                check_send_url(channel.send_url, context.allow_local_gateways)
            except UnsafeSendUrl as exc:
                context.problem(("channels", i, "send_url"), str(exc))


def _settings(channel: Channel, item: ChannelSpec, created: bool) -> tuple[dict, dict]:
    """The channel's configuration and secrets once the file's named settings are in."""
    given = set(ChannelSpec.model_fields) if created else item.model_fields_set
    named = {k: getattr(item, k) for k in given - {"uuid", *COLUMNS}}
    config, secrets = ({}, {}) if created else (dict(channel.config), dict(channel.secrets))
    for key, value in named.items():
        target = secrets if key in Channel.SECRET_KEYS else config
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    return config, secrets


def reconcile_channels(org: Organisation, items: list[ChannelSpec], changes: Changes) -> None:
    rows = Channel.objects.filter(organisation=org, uuid__in=[i.uuid for i in items])
    existing = {c.uuid: c for c in rows.select_related("organisation")}
    new, changed, columns = [], [], set()
    for index, item in enumerate(items):
        channel = existing.get(item.uuid)
        created = channel is None
        channel = channel or Channel(uuid=item.uuid, organisation=org)
        given = set(COLUMNS) if created else item.model_fields_set & set(COLUMNS)
        values = {f: getattr(item, f) for f in given}
        if values.get("type") and channel.answers_at(values["type"]):
            values["type"] = channel.type  # a file written before ``ex`` became External
        fields = assign(channel, values)
        config, secrets = _settings(channel, item, created)
        if config != channel.config:
            channel.config = config
            fields.append("config")
        if created or secrets != channel.secrets:
            channel.secrets = secrets
            fields.append("secrets_sealed")
        if created:
            new.append(channel)
        elif fields:
            changed.append(channel)
            columns.update(fields)
        changes.note("channels", index, channel, created, [] if created else fields)
    save_all(Channel, new, changed, columns)
    if new or changed:
        # Bulk writes send no save signal: rewrite the directory a web process started
        # during an outage reads (``directory.py``) once the file's changes are in.
        transaction.on_commit(directory.refresh_quietly)


Templates = dict[str, dict[str, str]]


def check_templates(context: Context, items: Templates) -> None:
    from haki.messaging.texts import DEFAULTS

    for key, texts in items.items():
        if key not in DEFAULTS:
            known = ", ".join(sorted(DEFAULTS))
            context.problem(("templates", key), f"no such message; known: {known}")
        for language, text in texts.items():
            context.check_language(("templates", key, language), language)
            if not text.strip() or len(text) > 480:
                context.problem(("templates", key, language), "must be 1 to 480 characters")


def reconcile_templates(org: Organisation, items: Templates, changes: Changes) -> None:
    existing = {(t.key, t.language): t for t in MessageTemplate.objects.filter(organisation=org)}
    new, changed = [], []
    for key, texts in items.items():
        for language, text in texts.items():
            template, created, fields = reconciled(
                existing.get((key, language)),
                MessageTemplate,
                {"organisation": org, "key": key, "language": language},
                {"text": text},
                new,
                changed,
            )
            changes.note("templates", (key, language), template, created, fields)
    save_all(MessageTemplate, new, changed, ["text"])


Keywords = dict[str, dict[str, list[str]]]


def check_keywords(context: Context, items: Keywords) -> None:
    from haki.messaging.keywords import ACTIONS

    for language, actions in items.items():
        if language not in LANGUAGE_CODES:
            context.problem(
                ("keywords", language), f"unknown language code; known: {LANGUAGE_CODES}"
            )
        for action in actions:
            if action not in ACTIONS:
                context.problem(
                    ("keywords", language, action),
                    f"no such action; known: {', '.join(sorted(ACTIONS))}",
                )


def reconcile_keywords(org: Organisation, items: Keywords, changes: Changes) -> None:
    existing = {k.word: k for k in Keyword.objects.filter(organisation=org)}
    new, changed, columns = [], [], set()
    for language, actions in items.items():
        for action, words in actions.items():
            for word in words:
                keyword, created, fields = reconciled(
                    existing.get(word),
                    Keyword,
                    {"organisation": org, "word": word},
                    {"action": action, "language": language},
                    new,
                    changed,
                )
                existing[word] = keyword
                columns.update(fields)
                where: Any = (language, action)
                changes.note("keywords", where, keyword, created, fields)
    save_all(Keyword, new, changed, columns)


register(
    Section(
        name="channels",
        item=ChannelSpec,
        reconcile=reconcile_channels,
        check=check_channels,
        after=("organisation",),
        many=True,
    )
)
register(
    Section(
        name="templates",
        item=Templates,
        reconcile=reconcile_templates,
        check=check_templates,
        after=("organisation",),
    )
)
register(
    Section(
        name="keywords",
        item=Keywords,
        reconcile=reconcile_keywords,
        check=check_keywords,
        after=("organisation",),
    )
)
