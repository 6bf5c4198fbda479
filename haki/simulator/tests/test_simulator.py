"""The phone simulator: the demo's loop with no gateway, and never in production."""

from __future__ import annotations

from importlib import resources

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.core.management.base import SystemCheckError
from django.test import TestCase
from django.urls import reverse

from conftest import verified_client
from haki import provisioning
from haki.core.roles import Role
from haki.crisis.models import Alert, Responder
from haki.members.models import Member
from haki.messaging.models import Channel, Msg
from haki.processes import require_migrated

DEMO = (resources.files("haki.demo") / "kisumu-demo.yaml").read_text()


@pytest.fixture
def demo(db):
    org, _ = provisioning.apply(provisioning.load(DEMO))
    return org


def phone_url(person, name: str = "simulator:phone") -> str:
    kind = "member" if isinstance(person, Member) else "responder"
    return reverse(name, kwargs={"kind": kind, "person": person.uuid})


def send(client, person, text: str):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(phone_url(person), {"text": text})


def screen(client, person) -> str:
    return client.get(phone_url(person, "simulator:texts")).content.decode()


def test_a_newcomer_raises_takes_and_closes_an_alert_with_no_gateway(demo):
    client = verified_client(get_user_model().objects.get(username="coordinator"))
    rose = Member.objects.get(organisation=demo, alias="Rose")
    amani = Responder.objects.with_phone(demo, "+254190000001").get()
    assert send(client, rose, "HELP at the market").status_code == 302
    alert = Alert.objects.get(organisation=demo)
    assert alert.reference in screen(client, amani)  # the paralegal's phone got the alert
    assert "HELP at the market" in screen(client, rose)
    send(client, amani, f"ACK {alert.reference}")
    alert.refresh_from_db()
    assert alert.status == "acknowledged"
    told = Msg.objects.filter(member=rose, direction=Msg.Direction.OUT)
    assert told.count() == 2 and all(m.status == Msg.Status.DELIVERED for m in told)
    assert all(m.text in screen(client, rose) for m in told)
    send(client, amani, f"DONE {alert.reference} released")
    alert.refresh_from_db()
    assert alert.status == "closed"


def test_the_simulator_lists_people_by_alias_and_name_never_by_number(demo):
    client = verified_client(get_user_model().objects.get(username="operator"))
    page = client.get(reverse("simulator:phones")).content.decode()
    assert "Rose" in page and "Demo Paralegal Amani" in page
    assert "190100001" not in page and "190000001" not in page
    rose = Member.objects.get(organisation=demo, alias="Rose")
    assert "190100001" not in client.get(phone_url(rose)).content.decode()


@pytest.mark.parametrize(
    ("text", "message"), [("", "This field is required"), ("x" * 1601, "at most 1600")]
)
def test_an_empty_or_overlong_text_is_refused_with_a_reason(demo, text, message):
    client = verified_client(get_user_model().objects.get(username="coordinator"))
    rose = Member.objects.get(organisation=demo, alias="Rose")
    response = send(client, rose, text)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Msg.objects.filter(direction=Msg.Direction.IN).exists()


def test_without_a_simulated_channel_the_page_says_so_and_sends_nothing(world):
    client = verified_client(world["a"].users[Role.OPERATOR])
    assert b"no simulated channel" in client.get(reverse("simulator:phones")).content
    response = send(client, world["a"].member, "HELP")
    assert response.status_code == 400 and b"no simulated channel" in response.content


def test_another_organisations_phone_cannot_be_used(world):
    client = verified_client(world["b"].users[Role.OWNER])
    assert send(client, world["a"].member, "HELP").status_code == 404


def test_outside_the_demo_and_development_settings_the_simulator_is_not_there(demo, settings):
    settings.HAKI_SIMULATOR = False
    client = verified_client(get_user_model().objects.get(username="coordinator"))
    assert client.get(reverse("simulator:phones")).status_code == 404
    assert b"Phone simulator" not in client.get(reverse("core:home")).content


def test_production_settings_refuse_to_start_while_a_simulated_channel_exists(demo, settings):
    settings.HAKI_SIMULATOR = False
    with pytest.raises(SystemCheckError, match=r"haki\.E001"):
        call_command("check", deploy=True, fail_level="ERROR")
    with pytest.raises(CommandError, match="'sim'"):
        require_migrated()
    Channel.objects.filter(organisation=demo).update(type=Channel.Type.KANNEL)
    call_command("check", deploy=True, fail_level="ERROR")
    require_migrated()


def test_a_simulated_channel_takes_no_webhooks(demo, client):
    channel = Channel.objects.get(organisation=demo)
    url = f"/c/sim/{channel.uuid}/receive"
    assert client.post(url, {"from": "+254190100001", "text": "HELP", "id": "1"}).status_code == 403
    assert not Msg.objects.exists()


def test_a_member_answers_the_demo_poll_on_the_simulator(demo):
    from haki.surveys.models import Poll, Reply
    from haki.surveys.sending import send_poll

    client = verified_client(get_user_model().objects.get(username="coordinator"))
    rose = Member.objects.get(organisation=demo, alias="Rose")
    with TestCase.captureOnCommitCallbacks(execute=True):
        send_poll(Poll.objects.get(organisation=demo, name="weekly-stop"))
    assert "Je, ulisimamishwa na polisi" in screen(client, rose)
    send(client, rose, "Ndiyo")
    assert Reply.objects.get(member=rose).answer == "yes"


def test_the_demo_police_login_sees_an_alert_that_reached_its_officer(demo):
    from haki.crisis.tests.test_core_loop import escalate_now

    client = verified_client(get_user_model().objects.get(username="coordinator"))
    lily = Member.objects.get(organisation=demo, alias="Lily")  # consents to police
    send(client, lily, "HELP")
    alert = Alert.objects.get(organisation=demo)
    police = verified_client(get_user_model().objects.get(username="police"))
    assert alert.reference not in police.get(reverse("core:home")).content.decode()
    for _ in range(3):  # paralegal, lawyer, coordinator: nobody answers
        escalate_now(alert)
    officer = Responder.objects.with_phone(demo, "+254190000009").get()
    assert alert.reference in screen(client, officer)
    home = police.get(reverse("core:home")).content.decode()
    assert alert.reference in home and "None yet." not in home


def test_a_member_flashes_from_the_simulator_and_her_alert_is_raised(demo):
    client = verified_client(get_user_model().objects.get(username="coordinator"))
    rose = Member.objects.get(organisation=demo, alias="Rose")
    amani = Responder.objects.with_phone(demo, "+254190000001").get()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post(phone_url(rose), {"flash": "1"}).status_code == 302
    alert = Alert.objects.get(organisation=demo)
    assert alert.source == Alert.Source.MISSED_CALL
    assert alert.reference in screen(client, amani)
    assert "Missed call" in screen(client, rose)
