"""Referrals through real Kannel and fakesmsc, with Haki's web server and worker as
separate processes: a responder refers a member, the slip reaches her phone in
Swahili, the service texts SEEN and the figures move; then a police ally's REFER in
Russian, the code confirmed by the methadone clinic, counted as a police referral."""

from __future__ import annotations

import json

import pytest

from haki.messaging.tests.kannel import Kannel
from haki.tests.harness import RunningHaki, wait_until

pytestmark = pytest.mark.kannel
CHANNEL = "3a4b5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d"
SHORTCODE = "20777"
ORGANISATION = """
organisation: {{slug: refer-e2e, name: Referral Network, country: KE, timezone: Africa/Nairobi,
               languages: [en, sw, ru], allow_local_gateways: true}}
areas:
  - {{code: KSM, name: Kisumu}}
  - {{code: KSM-C, name: Kisumu Central, parent: KSM}}
channels:
  - {{uuid: {channel}, type: kn, name: Shortcode, address: "{shortcode}",
     send_url: "{send_url}", username: haki, password: kannel-pw, tps: 50}}
responders:
  - {{name: Amani, phone: "+254190200001", tier: paralegal, areas: [KSM-C], on_duty: true,
     language: sw}}
  - {{name: Officer, phone: "+254190200009", tier: police_ally, areas: [KSM-C], on_duty: true,
     language: ru}}
members:
  - {{alias: Rose, phone: "+254190210001", area: KSM-C, language: sw}}
services:
  - {{name: Lake Clinic, kind: drop_in, area: KSM-C, address: Oginga Odinga Rd,
     hours: Mon-Fri 8-17, confirm_phones: ["+254190500001"]}}
  - {{name: Nyanza MAT, kind: opioid_substitution, area: KSM, address: Jomo Kenyatta Ave,
     hours: 7-13, confirm_phones: ["+254190500003"]}}
"""
ROSE, OFFICER, CLINIC, MAT = "+254190210001", "+254190200009", "+254190500001", "+254190500003"

REFER_ROSE = """
from haki.core.models import Organisation
from haki.crisis.models import Responder
from haki.referrals.models import Referral, Service
from haki.referrals.sms import send_slip
org = Organisation.objects.get(slug="refer-e2e")
amani = Responder.objects.with_phone(org, "+254190200001").get()
referral = Referral.make(org, Service.objects.get(name="Lake Clinic"),
    member=org.members.get(alias="Rose"), referrer_type="responder",
    referred_by_responder=amani, reason="after the raid")
send_slip(referral)
print(referral.code)
"""
FIGURES = """
import json
from datetime import timedelta
from django.utils import timezone
from haki.core.models import Organisation
from haki.referrals import indicators
org = Organisation.objects.get(slug="refer-e2e")
start, end = timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=1)
print(json.dumps({name: f(org, start, end) for name, f in indicators.INDICATORS.items()}))
"""


def status_of(haki: RunningHaki, code: str) -> str:
    return haki.shell(
        "from haki.referrals.models import Referral\n"
        f"print(Referral.objects.get(code='{code}').status)"
    ).strip()


def figures(haki: RunningHaki) -> dict:
    return json.loads(haki.shell(FIGURES))


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    folder = tmp_path_factory.mktemp("referrals-e2e")
    haki = RunningHaki(folder)
    kannel = Kannel(folder, receive_url=f"{haki.url}/c/kn/{CHANNEL}/receive")
    try:
        haki.provision(
            ORGANISATION.format(channel=CHANNEL, shortcode=SHORTCODE, send_url=kannel.send_url)
        )
        haki.start_web()
        haki.start_worker()
        yield haki, kannel
    finally:
        kannel.stop()
        haki.stop()


def test_a_responders_referral_slip_arrives_in_swahili_and_seen_completes_it(running):
    haki, kannel = running
    code = haki.shell(REFER_ROSE).strip()
    (slip,) = kannel.wait_for_delivery(ROSE)
    assert slip.text == (
        f"Namba yako {code}. Lake Clinic, Oginga Odinga Rd. Saa Mon-Fri 8-17. "
        "Onyesha namba hii ukifika."
    )
    assert "raid" not in slip.text
    before = figures(haki)
    assert before["referrals_made"] == 1 and before["referrals_completed_pct"] == 0
    kannel.phone_sends(CLINIC, SHORTCODE, f"SEEN {code}")
    (thanks,) = kannel.wait_for_delivery(CLINIC)
    assert thanks.text == f"Thank you, code {code} is confirmed."
    assert status_of(haki, code) == "completed"
    after = figures(haki)
    assert after["referrals_completed_pct"] == 100.0
    assert after["referrals_attended_within_7_days"] == 1


def test_a_police_refer_code_in_russian_is_confirmed_by_the_clinic(running):
    haki, kannel = running
    assert figures(haki)["police_referrals_completed"] == 0
    kannel.phone_sends(OFFICER, SHORTCODE, "Направить метадон")
    (card,) = kannel.wait_for_delivery(OFFICER)
    code = card.text.split(" ")[1].rstrip(":")
    assert card.text == (
        f"Код {code}: запишите его на карточку. Nyanza MAT, Jomo Kenyatta Ave, 7-13. "
        "Действует 14 дн."
    )
    kannel.phone_sends(CLINIC, SHORTCODE, f"SEEN {code}")  # not the MAT's number
    wait_until(lambda: len(kannel.delivered_to(CLINIC)) == 2, 30, what="the neutral refusal")
    assert kannel.delivered_to(CLINIC)[-1].text == "That code cannot be used."
    assert status_of(haki, code) == "requested"
    kannel.phone_sends(MAT, SHORTCODE, f"Пришел {code}")
    (thanks,) = kannel.wait_for_delivery(MAT)
    assert thanks.text == f"Спасибо, код {code} подтверждён."
    assert status_of(haki, code) == "completed"
    assert figures(haki)["police_referrals_completed"] == 1
