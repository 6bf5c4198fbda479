"""Channels on the web: type, address, rate and credentials; secrets are write-only."""

from __future__ import annotations

from django.urls import reverse

from conftest import verified_client
from haki.core.models import AuditEvent
from haki.core.roles import Role
from haki.messaging.models import Channel


def channel_data(**changes) -> dict:
    data = {
        "type": "kn",
        "name": "Shortcode",
        "address": "20100",
        "tps": 20,
        "send_url": "http://127.0.0.1:13013/cgi-bin/sendsms",
        "username": "haki",
    }
    return {**data, **changes}


def test_only_coordinators_and_owners_see_or_change_channels(world):
    a = world["a"]
    edit = reverse("messaging:channel_edit", kwargs={"channel": a.channel.pk})
    for role in (Role.CASEWORKER, Role.OPERATOR, Role.ANALYST, Role.POLICE_ALLY):
        client = verified_client(a.users[role])
        assert client.get(reverse("messaging:channels")).status_code == 403
        assert client.post(edit, channel_data(password="stolen")).status_code == 403
    other = verified_client(world["b"].users[Role.OWNER])
    assert other.post(edit, channel_data(password="stolen")).status_code == 404
    a.channel.refresh_from_db()
    assert a.channel.secrets["password"] == "kannel-password" and a.channel.tps == 10


def test_a_secret_is_never_shown_and_an_empty_field_keeps_it(world):
    a = world["a"]
    client = verified_client(a.users[Role.COORDINATOR])
    url = reverse("messaging:channel_edit", kwargs={"channel": a.channel.pk})
    page = client.get(url).content.decode()
    assert "kannel-password" not in page
    assert "Now: set." in page and "Now: not set." in page  # password set, api key not
    assert str(a.channel.uuid) not in reverse("messaging:channel_edit", kwargs={"channel": 1})
    same_address = a.channel.config["send_url"]
    assert client.post(url, channel_data(send_url=same_address)).status_code == 302
    a.channel.refresh_from_db()
    assert a.channel.secrets == {"password": "kannel-password"}
    assert a.channel.tps == 20 and a.channel.config["username"] == "haki"


def test_a_new_secret_replaces_the_old_one_and_the_change_is_audited_without_it(world):
    a = world["a"]
    client = verified_client(a.users[Role.OWNER])
    url = reverse("messaging:channel_edit", kwargs={"channel": a.channel.pk})
    response = client.post(url, channel_data(password="new-password", username=""))
    assert response.status_code == 302, response.content.decode()
    a.channel.refresh_from_db()
    assert a.channel.secrets == {"password": "new-password"}
    assert "username" not in a.channel.config  # an emptied plain setting is removed
    assert "new-password" not in a.channel.secrets_sealed
    event = AuditEvent.objects.filter(organisation=a.org).last()
    assert (event.action, event.object_ref) == ("change", str(a.channel.uuid))
    assert "new-password" not in str(event.__dict__)


def test_a_channel_needs_a_known_type_a_bounded_rate_and_a_web_address(world):
    a = world["a"]
    client = verified_client(a.users[Role.COORDINATOR])
    url = reverse("messaging:channel_add")
    for data, message in [
        (channel_data(type="zz"), "Select a valid choice."),
        (channel_data(tps=0), "greater than or equal to 1"),
        (channel_data(tps=5000), "less than or equal to 1000"),
        (channel_data(send_url="ftp://x"), "http:// or https://"),
    ]:
        response = client.post(url, data)
        assert response.status_code == 400 and message in response.content.decode(), message
    assert (
        client.post(url, channel_data(name="Twilio", type="t", auth_token="tok")).status_code == 302
    )
    added = Channel.objects.get(organisation=a.org, name="Twilio")
    assert added.secrets == {"auth_token": "tok"} and added.uuid != a.channel.uuid


def test_the_phone_simulator_is_not_offered_as_a_channel_type_outside_the_demo(world, settings):
    # Production settings refuse to start with a simulated channel, and one added while
    # Haki runs would mark members' texts delivered to no phone.
    settings.HAKI_SIMULATOR = False
    a = world["a"]
    client = verified_client(a.users[Role.COORDINATOR])
    url = reverse("messaging:channel_add")
    assert 'value="sim"' not in client.get(url).content.decode()
    response = client.post(url, channel_data(name="Sim", type="sim"))
    assert response.status_code == 400 and "Select a valid choice." in response.content.decode()
    edit = reverse("messaging:channel_edit", kwargs={"channel": a.channel.pk})
    assert client.post(edit, channel_data(type="sim")).status_code == 400
    assert not Channel.objects.filter(type=Channel.Type.SIMULATOR).exists()


def test_the_demo_offers_the_phone_simulator_as_a_channel_type(world, settings):
    settings.HAKI_SIMULATOR = True
    client = verified_client(world["a"].users[Role.COORDINATOR])
    response = client.post(reverse("messaging:channel_add"), channel_data(name="Sim", type="sim"))
    assert response.status_code == 302
    assert Channel.objects.filter(type=Channel.Type.SIMULATOR, name="Sim").exists()


def test_a_new_sending_address_needs_the_secrets_typed_again(world):
    # Otherwise whoever may edit the channel could point it at a server of theirs and
    # read the gateway's password in the next text sent.
    a = world["a"]
    client = verified_client(a.users[Role.COORDINATOR])
    url = reverse("messaging:channel_edit", kwargs={"channel": a.channel.pk})
    elsewhere = channel_data(send_url="http://listener.invalid/cgi-bin/sendsms")
    response = client.post(url, elsewhere)
    assert response.status_code == 400
    assert "needs the secrets typed again" in response.content.decode()
    a.channel.refresh_from_db()
    assert a.channel.config["send_url"] == "http://127.0.0.1:9/cgi-bin/sendsms"
    assert client.post(url, {**elsewhere, "password": "typed-again"}).status_code == 302
    a.channel.refresh_from_db()
    assert a.channel.config["send_url"] == "http://listener.invalid/cgi-bin/sendsms"
    assert a.channel.secrets == {"password": "typed-again"}


def test_an_external_and_a_rapidpro_android_channel_are_made_on_the_web(world):
    a = world["a"]
    client = verified_client(a.users[Role.COORDINATOR])
    add = reverse("messaging:channel_add")
    page = client.get(add).content.decode()
    assert 'value="ex"' in page and 'value="a"' in page and 'value="ha"' in page
    external = channel_data(
        type="ex",
        name="Aggregator",
        send_url="https://sms.example.org/send?to={{to}}",
        send_method="PUT",
        content_type="json",
        send_body='{"text": {{text}}}',
        username="",
    )
    assert client.post(add, external).status_code == 302
    channel = Channel.objects.get(organisation=a.org, name="Aggregator")
    assert channel.type == "ex" and channel.config["send_method"] == "PUT"
    assert channel.config["content_type"] == "json"
    assert channel.config["send_body"] == '{"text": {{text}}}'
    edit = reverse("messaging:channel_edit", kwargs={"channel": channel.pk})
    page = client.get(edit).content.decode()
    for action in ("receive", "sent", "delivered", "failed", "stopped"):
        assert f"/c/ex/{channel.uuid}/{action}" in page
    into_host = {**external, "send_url": "https://{{to}}.example.org/send"}
    assert "not the host" in client.post(edit, into_host).content.decode()
    wrong = {**external, "send_method": "DELETE"}
    assert client.post(edit, wrong).status_code == 400
    phone = channel_data(type="a", name="Relayer", relayer_id="4242", secret="s", send_url="")
    assert client.post(add, phone).status_code == 302
    relayer = Channel.objects.get(name="Relayer")
    assert relayer.config["relayer_id"] == 4242
    page = client.get(reverse("messaging:channel_edit", kwargs={"channel": relayer.pk}))
    assert "/relayers/relayer/sync/4242/" in page.content.decode()
    again = {**phone, "name": "Relayer 2"}
    assert "already has this relayer id" in client.post(add, again).content.decode()


def test_a_relayer_id_in_other_digits_than_ascii_is_a_form_error(world):
    client = verified_client(world["a"].users[Role.COORDINATOR])
    add = reverse("messaging:channel_add")
    for typed in ("٤٢٤٢", "４２４２", "²"):
        phone = channel_data(type="a", name="Relayer", relayer_id=typed, secret="s", send_url="")
        response = client.post(add, phone)
        assert response.status_code == 400, typed
        assert "Write the number RapidPro gave the phone." in response.content.decode()
    assert not Channel.objects.filter(name="Relayer").exists()
