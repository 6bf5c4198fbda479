from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from django.test import TestCase

from haki.core.models import Area, Organisation
from haki.crisis.models import Responder
from haki.members.models import Member
from haki.messaging.models import Channel, Msg

_ids = itertools.count(1)


@dataclass
class Network:
    org: Organisation
    channel: Channel
    areas: dict[str, Area]
    responders: dict[str, Responder] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)

    def text(self, sender: str, body: str) -> Msg:
        """A text arriving through Kannel; what the worker does after commit runs inline."""
        ext_id = f"c-{next(_ids)}"
        raw = body.encode("utf-16-be")
        query = f"sender={quote(sender)}&message={quote(raw)}&ts=1795263728&id={ext_id}&to=20100"
        from django.test import Client

        with TestCase.captureOnCommitCallbacks(execute=True):
            response = Client().post(
                f"/c/kn/{self.channel.uuid}/receive?{query}",
                data=raw,
                content_type='text/plain; charset="UTF-16BE"',
                headers={"X-Kannel-Coding": "2"},
            )
        assert response.status_code == 200
        return Msg.objects.get(channel=self.channel, external_id=ext_id)

    def texts_to(self, person, since: Msg | None = None) -> list[Msg]:
        sent = Msg.objects.filter(
            organisation=self.org, direction="out", phone_index=person.phone_index
        )
        if since is not None:
            sent = sent.filter(pk__gt=since.pk)
        return list(sent.order_by("pk"))


def responder(org, name, phone, tier, areas, on_duty=True, language="en") -> Responder:
    person = Responder(organisation=org, tier=tier, on_duty=on_duty, language=language)
    person.name, person.phone = name, phone
    person.save()
    person.areas.set(areas)
    return person


def member(org, alias, phone, area, language, share=False, police=False, codewords=()) -> Member:
    person = Member(
        organisation=org,
        alias=alias,
        area=area,
        language=language,
        share_number_with_responders=share,
        allow_police_referral=police,
    )
    person.phone = phone
    person.codewords = list(codewords)
    person.save()
    return person


@pytest.fixture
def network(db) -> Network:
    org = Organisation.objects.create(
        slug="crisis-test",
        name="Crisis Test",
        country="KE",
        timezone="Africa/Nairobi",
        languages=["en", "sw", "ru"],
        ack_timeout_seconds=600,
        escalation_tiers=["paralegal", "lawyer", "coordinator", "police_ally"],
        allow_local_gateways=True,
    )
    root = Area.objects.create(organisation=org, code="KSM", name="Kisumu")
    central = Area.objects.create(
        organisation=org, code="KSM-C", name="Kisumu Central", parent=root
    )
    east = Area.objects.create(organisation=org, code="KSM-E", name="Kisumu East", parent=root)
    channel = Channel(organisation=org, type="kn", name="Shortcode", address="20100", tps=1000)
    channel.configure(
        {"send_url": "http://127.0.0.1:9/cgi-bin/sendsms", "username": "haki", "password": "pw"}
    )
    channel.save()
    net = Network(org=org, channel=channel, areas={"root": root, "central": central, "east": east})
    net.responders = {
        "amani": responder(org, "Amani", "+254190000001", "paralegal", [central], language="sw"),
        "baraka": responder(org, "Baraka", "+254190000002", "paralegal", [central, east]),
        "chiku": responder(org, "Chiku", "+254190000005", "paralegal", [east], on_duty=False),
        "wakili": responder(org, "Wakili", "+254190000003", "lawyer", [root]),
        "dalili": responder(org, "Dalili", "+254190000004", "coordinator", [root]),
        "eshe": responder(org, "Officer Eshe", "+254190000009", "police_ally", [root]),
    }
    net.members = {
        "rose": member(org, "Rose", "+254190100001", central, "sw", share=True, codewords=["MAMA"]),
        "lily": member(org, "Lily", "+254190100002", central, "en", police=True),
        "vera": member(org, "Vera", "+254190100003", central, "ru"),
        "iris": member(org, "Iris", "+254190100004", east, "en"),
    }
    return net
