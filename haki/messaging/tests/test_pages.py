"""The message log and the operator inbox, as the roles that use them see them."""

from __future__ import annotations

from django.urls import reverse

from conftest import verified_client
from haki.core.models import AuditEvent
from haki.core.roles import Role
from haki.messaging.models import Msg


def test_coordinators_see_the_log_with_numbers_masked_and_no_words(world):
    a = world["a"]
    page = verified_client(a.users[Role.COORDINATOR]).get(reverse("messaging:log"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "•••001" in body and a.member.phone not in body
    assert a.inbox_msg.text not in body


def test_owners_may_see_full_numbers_and_that_is_audited(world):
    a = world["a"]
    before = AuditEvent.objects.count()
    body = verified_client(a.users[Role.OWNER]).get(reverse("messaging:log")).content.decode()
    assert a.member.phone in body
    assert AuditEvent.objects.count() == before + 1


def test_the_log_filters_by_direction_and_status_without_numbers_in_the_url(world):
    a = world["a"]
    out = Msg(
        organisation=a.org,
        channel=a.channel,
        direction="out",
        status="failed",
        error="gateway answered HTTP 403",
    )
    out.phone, out.text = "+254190555009", "x"
    out.save()
    client = verified_client(a.users[Role.COORDINATOR])
    failed = client.get(reverse("messaging:log"), {"direction": "out", "status": "failed"})
    assert "•••009" in failed.content.decode() and "•••001" not in failed.content.decode()
    incoming = client.get(reverse("messaging:log"), {"direction": "in"})
    assert "•••009" not in incoming.content.decode()


def test_operators_read_the_inbox_and_mark_a_text_done(world):
    a = world["a"]
    client = verified_client(a.users[Role.OPERATOR])
    page = client.get(reverse("messaging:inbox")).content.decode()
    assert a.inbox_msg.text in page and a.member.alias in page
    assert a.member.phone not in page
    client.post(reverse("messaging:inbox_done", kwargs={"msg": a.inbox_msg.uuid}))
    a.inbox_msg.refresh_from_db()
    assert a.inbox_msg.handled_by == a.users[Role.OPERATOR]
    assert a.inbox_msg.text not in client.get(reverse("messaging:inbox")).content.decode()


def test_a_missed_call_waits_in_the_inbox_as_a_call_to_return(world):
    a = world["a"]
    call = Msg(organisation=a.org, channel=a.channel, direction="in", status="inbox")
    call.template, call.phone, call.text = "missed_call", "+254190555077", ""
    call.save()
    operator = verified_client(a.users[Role.OPERATOR]).get(reverse("messaging:inbox"))
    assert "Missed call: call this number back." in operator.content.decode()
    assert (
        "•••077" in operator.content.decode() and "+254190555077" not in operator.content.decode()
    )
    owner = verified_client(a.users[Role.OWNER]).get(reverse("messaging:inbox"))
    assert "+254190555077" in owner.content.decode()  # those who may see numbers can call back
