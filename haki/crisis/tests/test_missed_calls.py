"""A missed call ("flash") raises an alert as HELP does: Africa's Talking's and Twilio's
real voice callbacks, and the Android gateway app's missed-call event, each answered
so the call is never picked up."""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlencode

import pytest
from django.test import Client, TestCase

from haki.core import crypto
from haki.crisis import flash
from haki.crisis.models import Alert
from haki.messaging import inbound, spool, tasks
from haki.messaging.channels.twilio import signature
from haki.messaging.models import Channel, Msg
from haki.messaging.tests.test_spool import database_down

REJECT = b'<?xml version="1.0" encoding="UTF-8"?><Response><Reject/></Response>'
ROSE, VERA, STRANGER = "+254190100001", "+254190100003", "+254190199999"


def at_voice(session: str, caller: str, active: str = "1", **extra: str) -> dict[str, str]:
    """What Africa's Talking posts to a number's voice callback URL."""
    form = {
        "isActive": active,
        "sessionId": session,
        "direction": "Inbound",
        "callerNumber": caller,
        "destinationNumber": "+254711082000",
        "callerCarrierName": "Safaricom",
        "callerCountryCode": "254",
        "callStartTime": "2026-12-04 22:10:13",
    }
    if active == "0":
        form.update(
            durationInSeconds="0",
            currencyCode="KES",
            amount="0",
            callSessionState="Completed",
            status="Aborted",
            hangupCause="CALL_REJECTED",
        )
    return {**form, **extra}


def twilio_voice(call_sid: str, caller: str, status: str = "ringing") -> dict[str, str]:
    """What Twilio posts to a number's voice webhook."""
    return {
        "AccountSid": "AC0123456789abcdef0123456789abcdef",
        "ApiVersion": "2010-04-01",
        "CallSid": call_sid,
        "CallStatus": status,
        "Called": "+254711083000",
        "Caller": caller,
        "Direction": "inbound",
        "From": caller,
        "FromCountry": "KE",
        "To": "+254711083000",
        "ToCountry": "KE",
    }


@pytest.fixture
def voice(network):
    inbound.forget_channels()
    org = network.org
    at = Channel(organisation=org, type="at", name="Voice", address="+254711082000", tps=1000)
    at.configure({"username": "haki", "api_key": "at-key", "send_url": "http://127.0.0.1:9/"})
    at.save()
    tw = Channel(organisation=org, type="t", name="Twilio", address="+254711083000", tps=1000)
    tw.configure(
        {"account_sid": "AC01", "auth_token": "tw-token", "send_url": "http://127.0.0.1:9"}
    )
    tw.save()
    ex = Channel(organisation=org, type="ha", name="Phone", address="+254711084000", tps=1000)
    ex.configure({"send_url": "http://127.0.0.1:9/send", "secret": "ex-secret"})
    ex.save()
    network.voice = {"at": at, "t": tw, "ex": ex}
    yield network
    inbound.forget_channels()


def post_at(channel: Channel, form: dict[str, str]):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return Client().post(
            f"/c/at/{channel.uuid}/voice",
            urlencode(form),
            content_type="application/x-www-form-urlencoded",
        )


def post_twilio(channel: Channel, form: dict[str, str], token: str = "tw-token"):
    url = f"/c/t/{channel.uuid}/voice"
    signed = signature(f"http://testserver{url}", {k: [v] for k, v in form.items()}, token)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return Client().post(url, form, headers={"X-Twilio-Signature": signed})


def post_android(channel: Channel, payload: dict[str, str], secret: str = "ex-secret"):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return Client().post(
            f"/c/ha/{channel.uuid}/voice",
            json.dumps(payload),
            content_type="application/json",
            headers={"Authorization": f"Token {secret}"},
        )


def texts(network, person, template: str) -> list[Msg]:
    return [m for m in network.texts_to(person) if m.template == template]


def test_a_members_flash_to_africas_talking_is_rejected_and_raises_her_alert(voice):
    at = voice.voice["at"]
    response = post_at(at, at_voice("ATVId_1", ROSE))
    assert response.status_code == 200
    assert response.content == REJECT and response["Content-Type"] == "application/xml"

    alert = Alert.objects.get()
    assert alert.source == Alert.Source.MISSED_CALL and alert.member == voice.members["rose"]
    assert alert.area == voice.areas["central"]
    amani, baraka = voice.responders["amani"], voice.responders["baraka"]
    (to_amani,) = texts(voice, amani, "alert.responder")
    (to_baraka,) = texts(voice, baraka, "alert.responder")
    assert to_amani.text.startswith(f"{alert.reference}: Rose anahitaji msaada Kisumu Central")
    assert ROSE in to_baraka.text  # Rose consented to share her number
    assert to_amani.status == Msg.Status.QUEUED and to_amani.channel == at
    (to_rose,) = texts(voice, voice.members["rose"], "alert.member")
    assert to_rose.text == "Tumepokea. Mtu atawasiliana nawe hivi karibuni."
    assert to_rose.channel == at  # her confirmation through the number she flashed
    assert texts(voice, voice.responders["wakili"], "alert.responder") == []
    call = Msg.objects.get(channel=at, direction="in")
    assert call.is_missed_call and call.status == Msg.Status.HANDLED and call.text == ""


def test_flashes_within_ten_minutes_join_and_the_final_and_repeated_callbacks_act_once(voice):
    at = voice.voice["at"]
    for form in (
        at_voice("ATVId_1", VERA),
        at_voice("ATVId_1", VERA),  # the gateway retrying
        at_voice("ATVId_1", VERA, active="0"),  # the call has ended
        at_voice("ATVId_2", VERA),
        at_voice("ATVId_2", VERA, active="0"),
        at_voice("ATVId_2", VERA, active="0"),
    ):
        response = post_at(at, form)
        assert response.status_code == 200 and response.content == REJECT
    (alert,) = Alert.objects.all()
    assert list(alert.events.values_list("kind", flat=True)) == [
        "raised",
        "texted",
        "texted",
        "joined",
    ]
    assert len(texts(voice, voice.members["vera"], "alert.member")) == 1
    (to_baraka,) = texts(voice, voice.responders["baraka"], "alert.responder")
    assert VERA not in to_baraka.text  # Vera did not consent to share her number
    calls = Msg.objects.filter(channel=at, direction="in").order_by("pk")
    assert [(c.external_id, c.status) for c in calls] == [
        ("ATVId_1", "handled"),
        ("ATVId_1.ended", "handled"),
        ("ATVId_2", "handled"),
        ("ATVId_2.ended", "handled"),
    ]


def test_a_final_callback_whose_first_was_lost_still_raises_the_alert(voice):
    post_at(voice.voice["at"], at_voice("ATVId_9", ROSE, active="0"))
    assert Alert.objects.get().member == voice.members["rose"]


def test_a_twilio_flash_is_rejected_in_twiml_and_raises_the_alert(voice):
    tw = voice.voice["t"]
    response = post_twilio(tw, twilio_voice("CA0001", VERA))
    assert response.status_code == 200
    assert response.content == REJECT and response["Content-Type"] == "text/xml"
    alert = Alert.objects.get()
    assert alert.source == Alert.Source.MISSED_CALL and alert.member == voice.members["vera"]
    assert len(texts(voice, voice.responders["amani"], "alert.responder")) == 1
    assert post_twilio(tw, twilio_voice("CA0001", VERA, status="busy")).content == REJECT
    assert Alert.objects.count() == 1
    assert post_twilio(tw, twilio_voice("CA0002", VERA), token="forged").status_code == 403
    unsigned = Client().post(f"/c/t/{tw.uuid}/voice", twilio_voice("CA0003", VERA))
    assert unsigned.status_code == 403
    assert Msg.objects.filter(channel=tw, direction="in").count() == 2


def test_the_android_apps_missed_call_event_raises_the_alert(voice):
    ex = voice.voice["ex"]
    event = {"event": "missed_call", "id": "call-17", "from": ROSE}
    assert post_android(ex, event, secret="wrong").status_code == 403
    assert Alert.objects.count() == 0
    response = post_android(ex, event)
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert post_android(ex, event).status_code == 200  # the app retrying
    assert Alert.objects.get().source == Alert.Source.MISSED_CALL
    assert len(texts(voice, voice.members["rose"], "alert.member")) == 1
    assert post_android(ex, {**event, "event": "sms"}).status_code == 400


def test_forged_and_unreadable_voice_callbacks_are_refused(voice):
    at = voice.voice["at"]
    at.update_settings({}, {"secret": "at-secret"})
    at.save()
    inbound.forget_channels()
    assert post_at(at, at_voice("ATVId_1", ROSE)).status_code == 403
    assert post_at(at, at_voice("ATVId_1", ROSE, secret="nope")).status_code == 403
    assert Client().post(f"/c/at/{uuid.uuid4()}/voice", at_voice("x", ROSE)).status_code == 404
    kannel = Client().post(f"/c/kn/{voice.channel.uuid}/voice", at_voice("x", ROSE))
    assert kannel.status_code == 404  # Kannel carries no calls
    for bad in (
        {**at_voice("ATVId_2", ROSE, secret="at-secret"), "isActive": "2"},
        {**at_voice("ATVId_2", ROSE, secret="at-secret"), "direction": "Outbound"},
        {**at_voice("ATVId_2", ROSE, secret="at-secret"), "sessionId": ""},
        {**at_voice("A" * 300, ROSE, secret="at-secret")},
        {**at_voice("ATVId_2", "\x00", secret="at-secret")},
    ):
        assert post_at(at, bad).status_code == 400
    assert Alert.objects.count() == 0 and not Msg.objects.filter(channel=at).exists()
    assert post_at(at, at_voice("ATVId_3", ROSE, secret="at-secret")).content == REJECT
    assert Alert.objects.count() == 1


def test_an_unknown_numbers_flash_lands_in_the_inbox_a_few_times_an_hour(voice):
    at = voice.voice["at"]
    for n in range(5):
        assert post_at(at, at_voice(f"ATVId_{n}", STRANGER)).content == REJECT
    assert Alert.objects.count() == 0
    calls = Msg.objects.filter(channel=at, direction="in").order_by("pk")
    assert [c.status for c in calls] == ["inbox"] * flash.UNKNOWN_LIMIT + ["handled"] * 2
    assert not Msg.objects.filter(direction="out").exists()  # nothing texted to a stranger


def test_an_organisation_may_have_unknown_flashes_alert_its_coordinators(voice):
    voice.org.settings = {flash.UNKNOWN_FLASH: flash.ALERT_COORDINATORS}
    voice.org.save()
    at = voice.voice["at"]
    post_at(at, at_voice("ATVId_1", STRANGER))
    post_at(at, at_voice("ATVId_2", STRANGER))
    alert = Alert.objects.get()
    assert alert.member is None and alert.caller == STRANGER and alert.tier == "coordinator"
    (to_dalili,) = texts(voice, voice.responders["dalili"], "alert.responder")
    assert STRANGER in to_dalili.text  # the number to call back
    assert texts(voice, voice.responders["amani"], "alert.responder") == []
    assert texts(voice, voice.responders["eshe"], "alert.responder") == []
    assert Msg.objects.filter(channel=at, status="inbox").count() == 2


def test_a_flash_while_the_database_is_down_is_spooled_then_raises_the_alert(
    voice, tmp_path, settings, monkeypatch
):
    settings.HAKI_SPOOL_DIR = tmp_path / "spool"
    spool.ensure_writable()
    at = voice.voice["at"]
    assert post_at(at, at_voice("ATVId_0", STRANGER)).status_code == 200  # channel cached
    with monkeypatch.context() as patch:
        database_down(patch)
        response = post_at(at, at_voice("ATVId_1", ROSE))
        assert response.status_code == 200 and response.content == REJECT
    assert Alert.objects.count() == 0 and len(spool.pending()) == 1
    assert b"190100001" not in spool.pending()[0].read_bytes()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert spool.replay() == 1
    assert Alert.objects.get().member == voice.members["rose"]


def test_a_flash_whose_keys_cannot_be_opened_is_spooled_until_they_can(
    voice, tmp_path, settings, monkeypatch
):
    settings.HAKI_SPOOL_DIR = tmp_path / "spool"
    spool.ensure_writable()
    at = voice.voice["at"]

    def unavailable(*args, **kwargs):
        raise crypto.KeysUnavailable("cannot be unwrapped")

    with monkeypatch.context() as patch:
        patch.setattr(Msg.objects, "store_received", unavailable)
        assert post_at(at, at_voice("ATVId_1", ROSE)).content == REJECT
        assert spool.replay() == 0 and len(spool.pending()) == 1  # still waiting
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert spool.replay() == 1
    assert Alert.objects.get().source == Alert.Source.MISSED_CALL


def test_an_unknown_flash_with_no_area_to_alert_in_waits_for_one(db):
    from haki.core.models import Area, Organisation

    org = Organisation.objects.create(
        slug="no-areas",
        name="No Areas",
        country="KE",
        languages=["en"],
        settings={flash.UNKNOWN_FLASH: flash.ALERT_COORDINATORS},
    )
    at = Channel(organisation=org, type="at", name="Voice", address="+254711085000")
    at.configure({"username": "haki", "api_key": "at-key"})
    at.save()
    inbound.forget_channels()
    assert post_at(at, at_voice("ATVId_1", STRANGER)).content == REJECT
    call = Msg.objects.get(channel=at, direction="in")
    assert call.status == Msg.Status.RECEIVED  # the sweep routes it again
    Area.objects.create(organisation=org, code="NBO", name="Nairobi")
    with TestCase.captureOnCommitCallbacks(execute=True):
        tasks.route_msg(call.pk)
    assert Alert.objects.get(organisation=org).caller == STRANGER


PROVISIONED = """
organisation: {{slug: flash-prov, name: Flash, country: KE, timezone: Africa/Nairobi,
               languages: [en]}}
missed_calls: {{unknown_numbers: {choice}}}
"""


@pytest.mark.django_db
def test_the_unknown_number_setting_is_provisioned_and_checked():
    from haki.core.models import Organisation
    from haki.provisioning import ProvisioningError, apply, load

    apply(load(PROVISIONED.format(choice="coordinators")))
    org = Organisation.objects.get(slug="flash-prov")
    assert org.settings[flash.UNKNOWN_FLASH] == flash.ALERT_COORDINATORS
    with pytest.raises(ProvisioningError, match="unknown_numbers"):
        apply(load(PROVISIONED.format(choice="everyone")))
    apply(load(PROVISIONED.format(choice="inbox")))
    org.refresh_from_db()
    assert org.settings[flash.UNKNOWN_FLASH] == flash.INBOX_ONLY
