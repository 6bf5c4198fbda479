"""The board says where each responder's alert text truly is, and coordinators learn
when a gateway has stopped taking texts: on their home page after five minutes, and
once by SMS through another channel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from conftest import verified_client
from haki.core.models import Membership
from haki.core.roles import Role
from haki.crisis import alerts, outages
from haki.messaging import outbox
from haki.messaging.channels.base import status_url
from haki.messaging.models import Channel, Msg
from haki.messaging.tests.stub_gateway import StubGateway

REFUSED = "http://127.0.0.1:9/cgi-bin/sendsms"  # nothing listens: every send fails


@pytest.fixture
def stub():
    gateway = StubGateway()
    yield gateway
    gateway.close()


def staff(network, role: str) -> Client:
    user = get_user_model().objects.create_user(f"crisis-{role}", password="x" * 16)
    Membership.objects.create(user=user, organisation=network.org, role=role)
    return verified_client(user)


def point(channel: Channel, url: str) -> None:
    channel.configure({"send_url": url, "username": "haki", "password": "pw"})
    channel.save()


def send_again(msg: Msg) -> str:
    Msg.objects.filter(pk=msg.pk).update(next_attempt_on=timezone.now())
    return outbox.send(msg.pk)


def board_states(client: Client) -> str:
    return client.get(reverse("crisis:board_alerts")).content.decode()


def test_the_board_shows_each_responders_text_as_it_is(network, stub, settings):
    client = staff(network, Role.OPERATOR)
    with TestCase.captureOnCommitCallbacks(execute=True):
        alert, _ = alerts.raise_alert(network.org, member=network.members["rose"])
    amani, baraka = (r.msg for r in alert.recipients.select_related("msg", "responder"))
    board = board_states(client)
    assert "Amani: failing, retrying" in board and "Baraka: failing, retrying" in board
    assert "handed to the gateway" not in board and "texted" not in board

    point(network.channel, f"{stub.url}/cgi-bin/sendsms")
    assert send_again(amani) == "sent"
    assert "Amani: handed to the gateway" in board_states(client)

    report = status_url(network.channel, amani, "&status=1").split("/c/", 1)[1]
    assert Client().get(f"/c/{report}").status_code == 200
    assert "Amani: delivered" in board_states(client)

    point(network.channel, REFUSED)
    Msg.objects.filter(pk=baraka.pk).update(attempts=settings.HAKI_SEND_ATTEMPTS - 1)
    assert send_again(baraka) == "failed"
    board = board_states(client)
    assert "Baraka: failed" in board and "Amani: delivered" in board


def fail_for(network, minutes: int, member: str = "rose") -> None:
    """Every send through the network's channel fails, since ``minutes`` ago."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        alerts.raise_alert(network.org, member=network.members[member])
    network.channel.refresh_from_db()
    assert network.channel.failing_since is not None
    Channel.objects.filter(pk=network.channel.pk).update(
        failing_since=timezone.now() - timedelta(minutes=minutes)
    )


def coordinator_texts(network) -> list[Msg]:
    return [
        m for m in network.texts_to(network.responders["dalili"]) if m.template == "channel.failing"
    ]


def test_coordinators_are_told_on_their_home_page_when_a_channel_has_failed_for_five_minutes(
    network,
):
    home = staff(network, Role.COORDINATOR)
    fail_for(network, 4)
    assert "has failed since" not in home.get(reverse("core:home")).content.decode()
    fail_for(network, 6)
    page = home.get(reverse("core:home")).content.decode()
    assert "Shortcode has failed since" in page
    operator_home = staff(network, Role.OPERATOR).get(reverse("core:home")).content.decode()
    assert "has failed since" not in operator_home  # coordinators' business


def test_coordinators_are_texted_once_per_failure_through_another_channel(network, stub):
    backup = Channel(organisation=network.org, type="kn", name="Backup", address="20200")
    backup.configure({"send_url": f"{stub.url}/cgi-bin/sendsms", "username": "u", "password": "p"})
    backup.save()
    fail_for(network, 6)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert outages.warn_of_failing_channels() == 1
        assert outages.warn_of_failing_channels() == 0  # the same episode: told once
    texts = coordinator_texts(network)
    assert len(texts) == 1 and texts[0].channel == backup
    assert texts[0].text.startswith("Shortcode has failed since ")
    assert texts[0].status == Msg.Status.WIRED  # it went out through the working channel
    lawyer = [
        m for m in network.texts_to(network.responders["wakili"]) if m.template == "channel.failing"
    ]
    assert lawyer == []  # the coordinator tier only

    # The gateway recovers, then fails again: a new episode, told again.
    point(network.channel, f"{stub.url}/cgi-bin/sendsms")
    waiting = Msg.objects.filter(channel=network.channel, status=Msg.Status.QUEUED).first()
    assert send_again(waiting) == "sent"
    network.channel.refresh_from_db()
    assert network.channel.failing_since is None
    point(network.channel, REFUSED)
    fail_for(network, 6, member="iris")
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert outages.warn_of_failing_channels() == 1
    assert len(coordinator_texts(network)) == 2


def test_without_another_channel_only_the_home_page_tells(network):
    fail_for(network, 6)
    assert outages.warn_of_failing_channels() == 1
    assert coordinator_texts(network) == []
    network.channel.refresh_from_db()
    assert network.channel.failure_reported_on is not None


def test_an_alerts_page_shows_each_responders_text_as_it_is(network):
    client = staff(network, Role.OPERATOR)
    with TestCase.captureOnCommitCallbacks(execute=True):
        alert, _ = alerts.raise_alert(network.org, member=network.members["rose"])
    page = client.get(reverse("crisis:alert", kwargs={"alert": alert.uuid})).content.decode()
    assert "Amani · paralegal: failing, retrying" in page
