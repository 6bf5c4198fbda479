"""The standard fixture: two organisations, each with one user per role, and an
outsider who belongs to none. Every view test starts with who must be refused."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.test.client import ClientHandler
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from haki.cases.models import Attachment, Case
from haki.core import crypto
from haki.core.models import Area, Membership, Organisation
from haki.core.roles import Role
from haki.credentials.models import Credential
from haki.crisis.models import Alert, Responder
from haki.members.models import Member
from haki.messaging import front
from haki.messaging.inbound import forget_channels
from haki.messaging.models import Channel, Msg
from haki.messaging.routing import forget_settings
from haki.surveys.models import Broadcast, FollowUp, Poll, PollSend, Reply


@dataclass
class OrgWorld:
    org: Organisation
    central: Area
    users: dict[str, object] = field(default_factory=dict)
    member: Member | None = None
    responder: Responder | None = None
    channel: Channel | None = None
    inbox_msg: Msg | None = None
    alert: Alert | None = None
    poll: Poll | None = None
    broadcast: Broadcast | None = None
    follow_up: FollowUp | None = None
    case: Case | None = None
    attachment: Attachment | None = None
    credential: Credential | None = None


def make_org(slug: str, country: str, phone_prefix: str) -> OrgWorld:
    org = Organisation.objects.create(
        slug=slug,
        name=f"{slug} network",
        country=country,
        timezone="Africa/Nairobi",
        languages=["en", "sw"],
        allow_local_gateways=True,  # its channel's gateway is on 127.0.0.1
    )
    root = Area.objects.create(organisation=org, code="ROOT", name="Root")
    central = Area.objects.create(organisation=org, code="CEN", name="Central", parent=root)
    world = OrgWorld(org=org, central=central)
    for role in Role.values:
        user = get_user_model().objects.create_user(f"{slug}-{role}", password="x" * 16)
        Membership.objects.create(user=user, organisation=org, role=role)
        world.users[role] = user
    member = Member(organisation=org, alias=f"{slug}-alias", area=central, language="sw")
    member.phone = f"{phone_prefix}100001"
    member.codewords = ["BLUEGIRAFFE"]
    member.save()
    responder = Responder(organisation=org, tier="paralegal", language="en", on_duty=True)
    responder.name = f"{slug} responder"
    responder.phone = f"{phone_prefix}000001"
    responder.save()
    responder.areas.set([central])
    world.member, world.responder = member, responder
    world.channel = Channel(organisation=org, type="kn", name="Shortcode", address="20100")
    world.channel.configure(
        {
            "send_url": "http://127.0.0.1:9/cgi-bin/sendsms",
            "username": "haki",
            "password": "kannel-password",
        }
    )
    world.channel.save()
    world.inbox_msg = Msg(
        organisation=org,
        channel=world.channel,
        direction=Msg.Direction.IN,
        status=Msg.Status.INBOX,
        external_id=f"{slug}-1",
        member=member,
    )
    world.inbox_msg.phone = member.phone
    world.inbox_msg.text = f"{slug} needs a call back"
    world.inbox_msg.save()
    world.alert = Alert(organisation=org, reference="K7Q2", member=member, area=central)
    world.alert.words = f"{slug} is at the station"
    world.alert.save()
    world.poll = Poll.objects.create(organisation=org, name="pulse", question={"en": "Ok?"})
    world.broadcast = Broadcast.objects.create(organisation=org, text={"en": "News"})
    send = PollSend.objects.create(poll=world.poll, closes_on=timezone.now())
    reply = Reply.objects.create(poll_send=send, member=member, answer="yes")
    world.follow_up = FollowUp.objects.create(organisation=org, reply=reply, responder=responder)
    world.case = Case(
        organisation=org,
        occurred_on=datetime.date(2026, 3, 14),
        area=central,
        place="street",
        perpetrator="regular_police",
        unit=f"{slug} station",
    )
    world.case.narrative = f"{slug} was taken to the cells"
    world.case.officer = f"{slug} officer 4471"
    world.case.save()
    world.case.violations.set(org.violation_types.filter(key="arbitrary_arrest"))
    world.attachment = Attachment(
        organisation=org, case=world.case, content_type="application/pdf", size=21
    )
    world.attachment.content = b"%PDF-1.4 charge sheet"
    world.attachment.name = f"{slug}-charge-sheet.pdf"
    world.attachment.save()
    world.credential = Credential.issue(
        org,
        holder=f"{slug} card holder",
        role="paralegal",
        valid_from=datetime.date(2026, 1, 1),
        valid_until=datetime.date(2099, 12, 31),
    )
    return world


@pytest.fixture(autouse=True, scope="session")
def _webhooks_through_the_front():
    """Django's test client answers incoming texts as gunicorn serving ``haki.wsgi``
    does: through the gateway front (``haki.messaging.front``), not Django's handler."""
    original = ClientHandler.get_response

    def get_response(handler: ClientHandler, request: HttpRequest) -> HttpResponse:
        found = front.match(request.path_info)
        if found is None:
            return original(handler, request)
        response = front.GatewayFront(handler).respond(request, *found)
        response._resource_closers.append(request.close)  # as Django's handler does
        return response

    with mock.patch.object(ClientHandler, "get_response", get_response):
        yield


@pytest.fixture(autouse=True)
def _default_language():
    """The test client's requests activate the signed-in user's language on this thread
    and leave it active: every test starts again from the default."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_keyrings():
    """Keys, the channels the webhook keeps decrypted in memory and the settings routing
    keeps belong to one test's database: a channel uuid reused by the next test is
    found afresh."""
    crypto.forget_keyrings()
    forget_channels()
    forget_settings()
    yield
    crypto.forget_keyrings()
    forget_channels()
    forget_settings()


@pytest.fixture
def world(db):
    """Organisation ``a`` (Kenya) and ``b`` (Kyrgyzstan), plus an outsider."""
    a = make_org("org-a", "KE", "+254190")
    b = make_org("org-b", "KG", "+996900")
    outsider = get_user_model().objects.create_user("outsider", password="x" * 16)
    return {"a": a, "b": b, "outsider": outsider}


def verified_client(user) -> Client:
    """A client signed in with both factors, as after a real 2FA login."""
    client = Client()
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="default", defaults={"confirmed": True}
    )
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client
