"""An officer's phone checks a card by SMS through real Kannel (bearerbox, smsbox and
fakesmsc from Debian), with Haki's web server and worker as separate processes: the
answer is "valid", and right after the card is revoked, "revoked"."""

from __future__ import annotations

import json

import pytest

from haki.messaging.tests.kannel import Kannel, require_kannel
from haki.tests.harness import RunningHaki

pytestmark = pytest.mark.kannel
CHANNEL = "7c2e4a1b-3d5f-4e6a-8b9c-0d1e2f3a4b5c"
SHORTCODE = "20998"
OFFICER = "+254190600001"
ORGANISATION = """
organisation: {{slug: kannel-cards, name: Kannel Cards Network, country: KE,
               timezone: Africa/Nairobi, languages: [en, sw]}}
areas: [{{code: KSM, name: Kisumu}}]
channels:
  - {{uuid: {channel}, type: kn, name: Shortcode, address: "{shortcode}",
     send_url: "{send_url}", username: haki, password: kannel-pw, tps: 20}}
"""
ISSUE = """
import datetime, json
from haki.core.models import Organisation
from haki.credentials.models import Credential, Issuer
org = Organisation.objects.get(slug="kannel-cards")
Issuer.objects.create(organisation=org, public_name="Lakeside Health Outreach")
card = Credential.issue(org, holder="Kannel Holder Neema", role="peer_educator",
                        valid_from=datetime.date(2026, 1, 1),
                        valid_until=datetime.date(2099, 6, 30))
print(json.dumps({"code": card.display_code}))
"""
REVOKE = """
from haki.credentials.models import Credential
Credential.objects.get(organisation__slug="kannel-cards").revoke()
"""


def test_a_check_by_sms_through_kannel_says_valid_then_revoked(tmp_path):
    require_kannel()  # before RunningHaki, which may create a PostgreSQL database
    haki = RunningHaki(tmp_path)
    kannel = None
    try:
        kannel = Kannel(tmp_path, receive_url=f"{haki.url}/c/kn/{CHANNEL}/receive")
        haki.provision(
            ORGANISATION.format(channel=CHANNEL, shortcode=SHORTCODE, send_url=kannel.send_url)
        )
        code = json.loads(haki.shell(ISSUE))["code"]
        haki.start_web()
        haki.start_worker()
        kannel.phone_sends(OFFICER, SHORTCODE, f"CHECK {code}")
        (valid,) = kannel.wait_for_delivery(OFFICER)
        expected = (
            f"{code}: VALID. Lakeside Health Outreach, Peer educator, valid until 2099-06-30."
        )
        assert valid.text == expected
        haki.shell(REVOKE)
        kannel.phone_sends(OFFICER, SHORTCODE, f"hakiki {code.lower()}")
        revoked = kannel.wait_for_delivery(OFFICER, count=2)[-1]
        assert revoked.text.startswith(f"{code}: IMEFUTWA")
        assert "Neema" not in valid.text + revoked.text
    finally:
        if kannel is not None:
            kannel.stop()
        haki.stop()
