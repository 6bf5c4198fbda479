"""The core loop through real Kannel and fakesmsc, with Haki's web server and worker
as separate processes: the member's HELP, both paralegals texted, one ACK, the other
and the member told, DONE with the outcome, and the whole timeline kept. Then the
same with nobody answering, and the worker killed while the deadline runs."""

from __future__ import annotations

import json

import pytest

from haki.messaging.tests.kannel import Kannel
from haki.tests.harness import RunningHaki, wait_until

pytestmark = pytest.mark.kannel
CHANNEL = "1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5"
SHORTCODE = "20555"
ORGANISATION = """
organisation: {{slug: loop, name: Loop Network, country: KE, timezone: Africa/Nairobi,
               languages: [en, sw, ru],
               allow_local_gateways: true}}
areas:
  - {{code: KSM, name: Kisumu}}
  - {{code: KSM-C, name: Kisumu Central, parent: KSM}}
escalation: {{ack_timeout_seconds: {timeout},
             tiers: [paralegal, lawyer, coordinator, police_ally]}}
channels:
  - {{uuid: {channel}, type: kn, name: Shortcode, address: "{shortcode}",
     send_url: "{send_url}", username: haki, password: kannel-pw, tps: 50}}
responders:
  - {{name: Amani, phone: "+254190200001", tier: paralegal, areas: [KSM-C], on_duty: true,
     language: sw}}
  - {{name: Baraka, phone: "+254190200002", tier: paralegal, areas: [KSM-C], on_duty: true}}
  - {{name: Wakili, phone: "+254190200003", tier: lawyer, areas: [KSM], on_duty: true}}
members:
  - {{alias: Rose, phone: "+254190210001", area: KSM-C, language: sw,
     consents: {{share_number_with_responders: true}}}}
  - {{alias: Vera, phone: "+254190210002", area: KSM-C, language: ru}}
"""
AMANI, BARAKA, WAKILI = "+254190200001", "+254190200002", "+254190200003"
ROSE, VERA = "+254190210001", "+254190210002"

ALERT = """
import json
from haki.crisis.models import Alert
alert = Alert.objects.select_related("acknowledged_by").get(member__alias="{alias}")
print(json.dumps({{"ref": alert.reference, "status": alert.status, "outcome": alert.outcome,
                  "by": alert.acknowledged_by.name if alert.acknowledged_by else None,
                  "events": list(alert.events.values_list("kind", flat=True))}}))
"""


def start(folder, timeout: int, **env):
    haki = RunningHaki(folder, **env)
    kannel = Kannel(folder, receive_url=f"{haki.url}/c/kn/{CHANNEL}/receive")
    haki.provision(
        ORGANISATION.format(
            channel=CHANNEL, shortcode=SHORTCODE, send_url=kannel.send_url, timeout=timeout
        )
    )
    haki.start_web()
    return haki, kannel


def alert_of(haki: RunningHaki, alias: str) -> dict:
    return json.loads(haki.shell(ALERT.format(alias=alias)))


def test_help_ack_and_done_through_kannel(tmp_path):
    haki, kannel = start(tmp_path, timeout=600)
    try:
        haki.start_worker()
        kannel.phone_sends(ROSE, SHORTCODE, "Msaada central station")
        (to_amani,) = kannel.wait_for_delivery(AMANI)
        (to_baraka,) = kannel.wait_for_delivery(BARAKA)
        (to_rose,) = kannel.wait_for_delivery(ROSE)
        ref = alert_of(haki, "Rose")["ref"]
        assert to_amani.text.startswith(f"{ref}: Rose anahitaji msaada Kisumu Central")
        assert '"central station"' in to_baraka.text and ROSE in to_baraka.text
        assert to_rose.text == "Tumepokea. Mtu atawasiliana nawe hivi karibuni."

        kannel.phone_sends(BARAKA, SHORTCODE, f"ACK {ref}")
        told = kannel.wait_for_delivery(AMANI, count=2)[-1]
        assert told.text == f"{ref} imechukuliwa na Baraka. Asante."
        assert kannel.wait_for_delivery(ROSE, count=2)[-1].text == "Mtu anakuja kukusaidia."
        assert kannel.wait_for_delivery(BARAKA, count=2)[-1].text.startswith(f"You have {ref}")

        kannel.phone_sends(BARAKA, SHORTCODE, f"DONE {ref} released on bond")
        assert kannel.wait_for_delivery(BARAKA, count=3)[-1].text == f"{ref} is closed. Thank you."
        kannel.wait_for_delivery(ROSE, count=3)
        closed = alert_of(haki, "Rose")
        assert closed["status"] == "closed" and closed["outcome"] == "released on bond"
        assert closed["by"] == "Baraka"
        assert closed["events"] == ["raised", "texted", "texted", "acknowledged", "closed"]
        assert kannel.delivered_to(WAKILI) == []  # answered in time: the lawyer never bothered
    finally:
        kannel.stop()
        haki.stop()


def test_a_killed_worker_still_escalates_after_restart(tmp_path):
    haki, kannel = start(tmp_path, timeout=30)
    try:
        haki.start_worker()
        kannel.phone_sends(VERA, SHORTCODE, "ПОМОЩЬ")
        kannel.wait_for_delivery(AMANI)
        assert kannel.wait_for_delivery(VERA)[0].text == "Получено. С вами скоро свяжутся."
        haki.kill("worker")  # the deadline passes with no worker running
        wait_until(
            lambda: haki.shell(OVERDUE).strip() == "1", 60, interval=1, what="the deadline to pass"
        )
        assert kannel.delivered_to(WAKILI) == []
        haki.start_worker()
        (to_lawyer,) = kannel.wait_for_delivery(WAKILI, timeout=30)
        assert "Vera" in to_lawyer.text and VERA not in to_lawyer.text  # no consent to share
        assert alert_of(haki, "Vera")["events"][-1] == "escalated"
    finally:
        kannel.stop()
        haki.stop()


OVERDUE = """
from django.utils import timezone
from haki.crisis.models import Alert
print(Alert.objects.filter(status="open", next_escalation_on__lte=timezone.now()).count())
"""
