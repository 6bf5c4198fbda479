"""The drill from a missed call, with Haki's web server and worker as separate
processes and the texts going out through real Kannel and fakesmsc: a member flashes
the organisation's voice number (Africa's Talking's callback, answered with
<Reject/>), both paralegals and the member are texted, she flashes again (one alert),
nobody acknowledges, and the alert escalates to the lawyer, as it does for HELP."""

from __future__ import annotations

import json
import urllib.request
from urllib.parse import urlencode

import pytest

from haki.messaging.tests.kannel import Kannel
from haki.tests.harness import RunningHaki

pytestmark = pytest.mark.kannel
SMS_CHANNEL = "3c4d5e6f-7a8b-4c9d-8e0f-a1b2c3d4e5f6"
VOICE_CHANNEL = "4d5e6f7a-8b9c-4d0e-9f1a-b2c3d4e5f6a7"
SHORTCODE, VOICE_NUMBER = "20556", "+254711082000"
# The shortcode texts through Kannel; the voice number takes calls alone (no SMS API key),
# so the texts a flash causes go out through the shortcode.
ORGANISATION = """
organisation: {{slug: flash, name: Flash Network, country: KE, timezone: Africa/Nairobi,
               languages: [en, sw], allow_local_gateways: true}}
areas:
  - {{code: KSM, name: Kisumu}}
  - {{code: KSM-C, name: Kisumu Central, parent: KSM}}
escalation: {{ack_timeout_seconds: 30, tiers: [paralegal, lawyer, coordinator]}}
channels:
  - {{uuid: {sms}, type: kn, name: Shortcode, address: "{shortcode}",
     send_url: "{send_url}", username: haki, password: kannel-pw, tps: 50}}
  - {{uuid: {voice}, type: at, name: Voice, address: "{voice_number}", username: haki}}
responders:
  - {{name: Amani, phone: "+254190200001", tier: paralegal, areas: [KSM-C], on_duty: true,
     language: sw}}
  - {{name: Baraka, phone: "+254190200002", tier: paralegal, areas: [KSM-C], on_duty: true}}
  - {{name: Wakili, phone: "+254190200003", tier: lawyer, areas: [KSM], on_duty: true}}
members:
  - {{alias: Rose, phone: "+254190210001", area: KSM-C, language: sw}}
"""
AMANI, BARAKA, WAKILI, ROSE = "+254190200001", "+254190200002", "+254190200003", "+254190210001"
ALERT = """
import json
from haki.crisis.models import Alert
alert = Alert.objects.get(member__alias="Rose")
print(json.dumps({"ref": alert.reference, "source": alert.source, "status": alert.status,
                  "count": Alert.objects.count(),
                  "events": list(alert.events.values_list("kind", flat=True))}))
"""


def flash(haki: RunningHaki, session: str, active: str = "1") -> tuple[int, str, bytes]:
    """Africa's Talking's voice callback for a call from Rose."""
    form = {
        "isActive": active,
        "sessionId": session,
        "direction": "Inbound",
        "callerNumber": ROSE,
        "destinationNumber": VOICE_NUMBER,
    }
    request = urllib.request.Request(
        f"{haki.url}/c/at/{VOICE_CHANNEL}/voice",
        data=urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status, answer.headers["Content-Type"], answer.read()


def test_a_flash_nobody_answers_escalates_through_kannel(tmp_path):
    haki = RunningHaki(tmp_path)
    kannel = Kannel(tmp_path, receive_url=f"{haki.url}/c/kn/{SMS_CHANNEL}/receive")
    try:
        haki.provision(
            ORGANISATION.format(
                sms=SMS_CHANNEL,
                voice=VOICE_CHANNEL,
                shortcode=SHORTCODE,
                voice_number=VOICE_NUMBER,
                send_url=kannel.send_url,
            )
        )
        haki.start_web()
        haki.start_worker()
        status, kind, body = flash(haki, "ATVId_drill_1")
        assert (status, kind) == (200, "application/xml")
        assert body == b'<?xml version="1.0" encoding="UTF-8"?><Response><Reject/></Response>'
        (to_amani,) = kannel.wait_for_delivery(AMANI)
        kannel.wait_for_delivery(BARAKA)
        (to_rose,) = kannel.wait_for_delivery(ROSE)
        raised = json.loads(haki.shell(ALERT))
        assert raised["source"] == "missed_call"
        assert to_amani.text.startswith(f"{raised['ref']}: Rose anahitaji msaada Kisumu Central")
        assert to_rose.text == "Tumepokea. Mtu atawasiliana nawe hivi karibuni."
        assert flash(haki, "ATVId_drill_1", active="0")[0] == 200  # the call ended
        assert flash(haki, "ATVId_drill_2")[0] == 200  # she flashes again
        assert kannel.delivered_to(WAKILI) == []

        (to_lawyer,) = kannel.wait_for_delivery(WAKILI, timeout=60)  # nobody acknowledged
        assert to_lawyer.text.startswith(f"{raised['ref']}: Rose needs help in Kisumu Central")
        escalated = json.loads(haki.shell(ALERT))
        assert escalated["count"] == 1 and escalated["status"] == "open"
        assert escalated["events"][:4] == ["raised", "texted", "texted", "joined"]
        assert escalated["events"][-1] == "escalated"
        assert len(kannel.delivered_to(ROSE)) == 1  # one discreet confirmation, no more
    finally:
        kannel.stop()
        haki.stop()
