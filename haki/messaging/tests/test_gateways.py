"""Each gateway's real wire format, as RapidPro's courier accepts it: texts stored
once, forged requests refused, malformed ones explained, nothing lost."""

from __future__ import annotations

import logging
from urllib.parse import quote, urlencode

import pytest
from django.utils import timezone

from haki.messaging.channels.twilio import signature
from haki.messaging.models import Channel, Msg

KANNEL_QUERY = "backend=fake&sender={sender}&message={message}&ts=1795263728&id={id}&to=20100"


@pytest.fixture
def org(world):
    return world["a"].org


def make_channel(org, kind: str, **settings) -> Channel:
    channel = Channel(organisation=org, type=kind, name=kind, address="20100")
    channel.configure(settings)
    channel.save()
    return channel


def kannel_post(
    client, channel, text: str, ext_id: str = "k-1", sender="+254190555001", utf16=False
):
    body = text.encode("utf-16-be" if utf16 else "utf-8")
    query = KANNEL_QUERY.format(sender=quote(sender), message=quote(body), id=ext_id)
    headers = {"X-Kannel-Coding": "2" if utf16 else "0"}
    charset = "UTF-16BE" if utf16 else "UTF-8"
    return client.post(
        f"/c/kn/{channel.uuid}/receive?{query}",
        data=body,
        content_type=f'text/plain; charset="{charset}"',
        headers=headers,
    )


def inbound(channel) -> list[Msg]:
    """Texts received in the test (the standard fixture's inbox text left aside)."""
    received = Msg.objects.filter(channel=channel, direction=Msg.Direction.IN)
    return list(received.exclude(external_id__startswith="org-"))


# Kannel -----------------------------------------------------------------------------


def test_kannel_text_is_stored_with_its_sender_and_time(world, client):
    channel = world["a"].channel
    response = kannel_post(client, channel, "hello there")
    assert response.status_code == 200
    (msg,) = inbound(channel)
    assert msg.text == "hello there" and msg.phone == "+254190555001"
    assert msg.external_id == "k-1" and msg.received_on.timestamp() == 1795263728
    assert msg.phone_index == channel.organisation.keyring.index("+254190555001")
    assert "hello" not in msg.text_sealed and "190555001" not in msg.phone_sealed
    assert msg.status == Msg.Status.RECEIVED and msg.organisation == channel.organisation
    assert msg.created_on <= timezone.now() and msg.modified_on == msg.created_on


def test_a_repeat_inside_a_transaction_is_skipped_and_the_transaction_goes_on(world):
    from django.db import transaction

    from haki.messaging.channels import Incoming
    from haki.messaging.inbound import store_incoming

    channel = world["a"].channel
    text = Incoming("replayed-1", "0190555001", "from the spool")
    with transaction.atomic():
        first = store_incoming(channel, text)
        assert store_incoming(channel, text) is None
        assert Msg.objects.get(external_id="replayed-1").pk == first
    (msg,) = inbound(channel)
    assert msg.phone == "+254190555001"  # a national number, read in the organisation's country


def test_kannel_ucs2_cyrillic_is_decoded(world, client):
    channel = world["a"].channel
    assert kannel_post(client, channel, "ПОМОЩЬ у станции", utf16=True).status_code == 200
    assert inbound(channel)[0].text == "ПОМОЩЬ у станции"


def test_a_gateway_retry_yields_one_message_and_a_200(world, client):
    channel = world["a"].channel
    assert kannel_post(client, channel, "once", "same-id").status_code == 200
    assert kannel_post(client, channel, "once", "same-id").status_code == 200
    assert len(inbound(channel)) == 1


def test_webhook_answers_are_sized_and_set_no_cookie(world, client):
    """Answered before the staff middleware: a plain sized answer, never a session."""
    client.cookies.load({"sessionid": "from-a-browser"})
    response = kannel_post(client, world["a"].channel, "hello")
    assert response.status_code == 200
    assert response["Content-Length"] == str(len(response.content))
    assert "Set-Cookie" not in response.headers
    unknown = client.post("/c/kn/00000000-0000-4000-8000-000000000000/receive")
    assert unknown.status_code == 404 and unknown["Content-Length"]


def test_a_text_is_accepted_and_kept_while_the_queue_is_down(
    world, client, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    from redis.exceptions import ConnectionError as RedisDown

    def queue_down(msg_id):
        raise RedisDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("haki.messaging.tasks.route_msg", queue_down)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        response = kannel_post(client, world["a"].channel, "HELP at the market")
    assert response.status_code == 200
    (msg,) = inbound(world["a"].channel)
    assert msg.status == Msg.Status.RECEIVED  # the sweep routes it once the queue is back
    assert "queue unavailable" in caplog.text and "190555001" not in caplog.text


def test_malformed_kannel_payload_is_refused_with_the_reason(world, client):
    channel = world["a"].channel
    response = client.post(
        f"/c/kn/{channel.uuid}/receive?id=1&ts=17", data=b"x", content_type="text/plain"
    )
    assert response.status_code == 400 and b"missing field(s): sender" in response.content
    response = client.post(
        f"/c/kn/{channel.uuid}/receive?id=1&ts=soon&sender=1", data=b"x", content_type="text/plain"
    )
    assert response.status_code == 400 and b"unix timestamp" in response.content
    assert inbound(channel) == []


def test_a_sender_of_spaces_is_refused_as_missing(world, client):
    response = kannel_post(client, world["a"].channel, "hello", sender="   ")
    assert response.status_code == 400
    assert "missing field(s): sender" in response.content.decode()
    assert inbound(world["a"].channel) == []


def test_unknown_channels_and_actions_are_not_found(world, client):
    channel = world["a"].channel
    assert client.post("/c/kn/0b7e2f8a-9f61-4d1c-8e2a-5f4b3c2d1e0f/receive").status_code == 404
    assert client.post(f"/c/at/{channel.uuid}/receive").status_code == 404  # wrong type
    assert client.post(f"/c/kn/{channel.uuid}/explode").status_code == 404


def test_a_channel_secret_is_required_once_configured(world, client):
    channel = world["a"].channel
    channel.secrets = {**channel.secrets, "secret": "s3cret-value"}
    channel.save()
    assert kannel_post(client, channel, "no secret").status_code == 403
    query = KANNEL_QUERY.format(sender="%2B254190555001", message="ok", id="k-2")
    response = client.post(
        f"/c/kn/{channel.uuid}/receive?{query}&secret=s3cret-value",
        data=b"ok",
        content_type="text/plain",
    )
    assert response.status_code == 200
    assert [m.text for m in inbound(channel)] == ["ok"]


def test_an_address_outside_the_allowlist_is_refused(world, client):
    channel = world["a"].channel
    channel.config = {**channel.config, "allowed_ips": ["10.20.0.0/16"]}
    channel.save()
    assert kannel_post(client, channel, "from elsewhere").status_code == 403
    response = client.post(
        f"/c/kn/{channel.uuid}/receive?"
        + KANNEL_QUERY.format(sender="%2B254190555001", message="ok", id="k-3"),
        data=b"ok",
        content_type="text/plain",
        REMOTE_ADDR="10.20.3.4",
    )
    assert response.status_code == 200


def test_kannel_delivery_reports_move_a_message_forward_only(world, client):
    channel = world["a"].channel
    msg = Msg(organisation=channel.organisation, channel=channel, direction="out", status="wired")
    msg.phone, msg.text = "+254190555001", "hi"
    msg.save()
    assert client.get(f"/c/kn/{channel.uuid}/status?uuid={msg.uuid}&status=1").status_code == 200
    msg.refresh_from_db()
    assert msg.status == "delivered"
    client.get(f"/c/kn/{channel.uuid}/status?uuid={msg.uuid}&status=8")
    msg.refresh_from_db()
    assert msg.status == "delivered"
    response = client.get(f"/c/kn/{channel.uuid}/status?uuid={msg.uuid}&status=3")
    assert response.status_code == 400


# Africa's Talking ---------------------------------------------------------------------


def test_africas_talking_text_and_delivery_report(org, client):
    channel = make_channel(org, "at", username="sandbox", api_key="at-key")
    form = {
        "id": "ATXid_1",
        "text": "Habari",
        "from": "+254190555002",
        "to": "20100",
        "date": "2026-11-21T09:30:00Z",
    }
    assert client.post(f"/c/at/{channel.uuid}/receive", form).status_code == 200
    assert client.post(f"/c/at/{channel.uuid}/receive", form).status_code == 200
    (msg,) = inbound(channel)
    assert msg.text == "Habari" and msg.received_on.hour == 9
    out = Msg(
        organisation=org, channel=channel, direction="out", status="wired", external_id="ATXid_out"
    )
    out.phone, out.text = "+254190555002", "hi"
    out.save()
    report = {"id": "ATXid_out", "status": "Failed"}
    assert client.post(f"/c/at/{channel.uuid}/status", report).status_code == 200
    out.refresh_from_db()
    assert out.status == "failed"


def test_africas_talking_payload_without_a_date_is_refused(org, client):
    channel = make_channel(org, "at", username="sandbox", api_key="at-key")
    form = {"id": "ATXid_2", "text": "x", "from": "+254190555002", "to": "20100"}
    response = client.post(f"/c/at/{channel.uuid}/receive", form)
    assert response.status_code == 400 and b"date" in response.content


# Twilio --------------------------------------------------------------------------------


def twilio_post(client, channel, form, token="tw-token", url_suffix="receive"):
    url = f"/c/t/{channel.uuid}/{url_suffix}"
    signed = signature(f"http://testserver{url}", {k: [v] for k, v in form.items()}, token)
    return client.post(url, form, headers={"X-Twilio-Signature": signed})


TWILIO_FORM = {
    "MessageSid": "SM123",
    "AccountSid": "AC1",
    "From": "+254190555003",
    "To": "+254190000000",
    "Body": "Msaada tafadhali",
    "NumMedia": "0",
}


def test_twilio_signed_text_is_stored_and_answered_with_twiml(org, client):
    channel = make_channel(org, "t", account_sid="AC1", auth_token="tw-token")
    response = twilio_post(client, channel, TWILIO_FORM)
    assert response.status_code == 200 and response["Content-Type"] == "text/xml"
    assert b"<Response/>" in response.content
    assert [m.text for m in inbound(channel)] == ["Msaada tafadhali"]


def test_a_forged_twilio_signature_is_refused_and_logged_without_content(org, client, caplog):
    channel = make_channel(org, "t", account_sid="AC1", auth_token="tw-token")
    with caplog.at_level(logging.WARNING):
        forged = twilio_post(client, channel, TWILIO_FORM, token="guessed-token")
        unsigned = client.post(f"/c/t/{channel.uuid}/receive", TWILIO_FORM)
    assert forged.status_code == 403 and unsigned.status_code == 403
    assert inbound(channel) == []
    assert "invalid signature" in caplog.text
    assert "Msaada" not in caplog.text and "190555003" not in caplog.text


def test_a_twilio_signature_for_other_fields_does_not_fit(org, client):
    channel = make_channel(org, "t", account_sid="AC1", auth_token="tw-token")
    url = f"/c/t/{channel.uuid}/receive"
    signed = signature(
        f"http://testserver{url}", {k: [v] for k, v in TWILIO_FORM.items()}, "tw-token"
    )
    tampered = {**TWILIO_FORM, "Body": "something else"}
    assert client.post(url, tampered, headers={"X-Twilio-Signature": signed}).status_code == 403


def test_twilio_status_callback_updates_the_message(org, client):
    channel = make_channel(org, "t", account_sid="AC1", auth_token="tw-token")
    out = Msg(organisation=org, channel=channel, direction="out", status="wired", external_id="SM9")
    out.phone, out.text = "+254190555003", "hi"
    out.save()
    form = {"MessageSid": "SM9", "MessageStatus": "delivered", "AccountSid": "AC1"}
    assert twilio_post(client, channel, form, url_suffix="status").status_code == 200
    out.refresh_from_db()
    assert out.status == "delivered"


# Android gateway app ---------------------------------------------------------------------


def test_android_gateway_needs_its_token(org, client):
    channel = make_channel(org, "ha", send_url="http://127.0.0.1:9/send", secret="phone-token")
    form = {"from": "+254190555004", "text": "hello", "id": "a-1"}
    assert client.post(f"/c/ha/{channel.uuid}/receive", form).status_code == 403
    wrong = {"Authorization": "Token nope"}
    assert client.post(f"/c/ha/{channel.uuid}/receive", form, headers=wrong).status_code == 403
    right = {"Authorization": "Token phone-token"}
    assert client.post(f"/c/ha/{channel.uuid}/receive", form, headers=right).status_code == 200
    response = client.post(
        f"/c/ha/{channel.uuid}/receive",
        data='{"from": "+254190555004", "text": "json", "id": "a-2"}',
        content_type="application/json",
        headers=right,
    )
    assert response.status_code == 200
    assert sorted(m.text for m in inbound(channel)) == ["hello", "json"]


def test_android_malformed_json_is_refused(org, client):
    channel = make_channel(org, "ha", send_url="http://127.0.0.1:9/send", secret="phone-token")
    response = client.post(
        f"/c/ha/{channel.uuid}/receive",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": "Token phone-token"},
    )
    assert response.status_code == 400 and b"not valid JSON" in response.content


def test_gateway_urls_carry_no_personal_data_in_their_answers(world, client):
    channel = world["a"].channel
    response = kannel_post(client, channel, "my name is Wanjiku", "k-9")
    assert b"Wanjiku" not in response.content and b"190555001" not in response.content


def test_urlencode_helper_roundtrip():
    assert "message=%D0%9F" in urlencode({"message": "П"})


def test_a_refused_request_is_logged_without_the_channels_address(world, client, caplog):
    # The UUID in a gateway's URL is the channel's credential: whoever holds the logs
    # must not learn it.
    channel = world["a"].channel
    channel.config = {**channel.config, "allowed_ips": ["10.20.0.0/16"]}
    channel.save()
    with caplog.at_level("WARNING", logger="haki.messaging.inbound"):
        assert kannel_post(client, channel, "from elsewhere").status_code == 403
    (line,) = [r.getMessage() for r in caplog.records if r.name == "haki.messaging.inbound"]
    assert line.startswith("refused a receive request")
    assert str(channel.uuid) not in line and channel.uuid.hex not in line
