"""Codes read as names in the reader's language, the two duty states look different,
and long lists come in pages."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation

from conftest import verified_client
from haki.core.roles import Role
from haki.crisis.models import Responder
from haki.messaging.models import Msg


def test_tiers_and_languages_show_their_names_translated(world):
    a = world["a"]
    Responder.objects.filter(pk=a.responder.pk).update(tier="police_ally")
    client = verified_client(a.users[Role.COORDINATOR])
    responders = client.get(reverse("crisis:responders")).content.decode()
    assert "<td>police ally</td>" in responders and "police_ally" not in responders
    member = reverse("members:detail", kwargs={"member": a.member.uuid})
    assert "<dd>Swahili</dd>" in client.get(member).content.decode()
    with translation.override("ru"):
        client.cookies["django_language"] = "ru"
        page = client.get(member, headers={"accept-language": "ru"}).content.decode()
    assert "<dd>суахили</dd>" in page.lower()


def test_on_duty_and_off_duty_buttons_look_different(world):
    a = world["a"]
    off = Responder(organisation=a.org, tier="lawyer", language="en", on_duty=False)
    off.name, off.phone = "off duty lawyer", "+254190000077"
    off.save()
    page = verified_client(a.users[Role.COORDINATOR]).get(reverse("crisis:responders"))
    body = page.content.decode()
    assert 'class="duty duty-on"' in body and 'class="duty duty-off"' in body


def test_the_messages_page_is_paged(world):
    a = world["a"]
    for n in range(45):
        msg = Msg(organisation=a.org, channel=a.channel, direction="out", status="queued")
        msg.phone, msg.text = f"+2541900{n:05d}", "hello"
        msg.save()
    client = verified_client(a.users[Role.COORDINATOR])
    first = client.get(reverse("messaging:log")).content.decode()
    assert first.count('<tr class="status-') == 20
    assert "Page 1 of 3" in first
    last = client.get(reverse("messaging:log"), {"page": 3}).content.decode()
    assert last.count('<tr class="status-') == 6  # 45 queued and the one received
