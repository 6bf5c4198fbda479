"""An action's owner is reminded by SMS through real Kannel (bearerbox, smsbox and
fakesmsc from Debian), in their language, with Haki's worker as a separate process:
the sweep writes the reminder to the outbox once, the worker hands it to Kannel, the
phone receives it in Swahili, and only then does the action say it was texted."""

from __future__ import annotations

import json

import pytest

from haki.messaging.tests.kannel import Kannel, require_kannel
from haki.tests.harness import RunningHaki, wait_until

pytestmark = pytest.mark.kannel
CHANNEL = "5b8e1f0a-2c3d-4e5f-9a0b-1c2d3e4f5a6b"
SHORTCODE = "20997"
OFFICER = "+254190600009"
ORGANISATION = """
organisation: {{slug: kannel-plans, name: Kannel Plans Network, country: KE,
               timezone: Africa/Nairobi, languages: [sw, en], allow_local_gateways: true}}
areas: [{{code: KSM, name: Kisumu}}]
channels:
  - {{uuid: {channel}, type: kn, name: Shortcode, address: "{shortcode}",
     send_url: "{send_url}", username: haki, password: kannel-pw, tps: 20}}
stations:
  - {{code: KSM-CPS, name: Kisumu Central Police Station, kind: station, area: KSM}}
allies:
  - {{name: Kannel Officer Eshe, service_number: KAN-1001, rank: Inspector,
     roles: [district_focal_point], station: KSM-CPS, posted_on: 2025-01-06,
     phone: "{officer}"}}
"""
PLAN = """
import datetime, json
from django.utils import timezone
from haki.core.models import Organisation
from haki.partnership.models import Action, ActionPlan, Ally
org = Organisation.objects.get(slug="kannel-plans")
ally = Ally.objects.get(organisation=org)
today = timezone.localdate(timezone=org.tzinfo)
plan = ActionPlan.objects.create(organisation=org, title="Kisumu Central", area=org.areas.get(),
                                 focal_point=ally, starts_on=today,
                                 ends_on=today + datetime.timedelta(days=365))
action = Action(organisation=org, plan=plan, title="Display Instruction 417", owner_ally=ally,
                due_on=today + datetime.timedelta(days=1))
action.schedule_reminder()
action.save()
print(json.dumps({"due": action.due_on.isoformat(), "language": ally.responder.language}))
"""
SWEEP = """
from haki.partnership import timers
print(timers.sweep(), timers.sweep())
"""
STATUS = """
from haki.partnership.models import Action
print(Action.objects.get().reminder.status)
"""


def test_an_action_owner_is_reminded_in_swahili_through_kannel(tmp_path):
    require_kannel()  # before RunningHaki, which may create a PostgreSQL database
    haki = RunningHaki(tmp_path)
    kannel = None
    try:
        kannel = Kannel(tmp_path, receive_url=f"{haki.url}/c/kn/{CHANNEL}/receive")
        haki.provision(
            ORGANISATION.format(
                channel=CHANNEL, shortcode=SHORTCODE, send_url=kannel.send_url, officer=OFFICER
            )
        )
        made = json.loads(haki.shell(PLAN))
        assert made["language"] == "sw"  # the organisation's first language
        assert haki.shell(SWEEP).split() == ["1", "0"]  # written once
        haki.start_worker(scheduler=False)
        (reminder,) = kannel.wait_for_delivery(OFFICER)
        assert reminder.text == f"Kumbusho: Display Instruction 417 inatakiwa tarehe {made['due']}."
        wait_until(
            lambda: haki.shell(STATUS).strip() in ("wired", "sent", "delivered"),
            30,
            what="the gateway to take the reminder",
        )
        assert len(kannel.delivered_to(OFFICER)) == 1
    finally:
        if kannel is not None:
            kannel.stop()
        haki.stop()
