"""Every SMS command in Kyrgyz, Telugu and Burmese, in the script and in the Latin
letters of a phone without it, through real Kannel and fakesmsc: a member's help in
Kyrgyz, a responder taking and closing it in Burmese, going off and on duty in Telugu,
a newcomer joining in Telugu, and a member changing language, stopping, starting and
erasing herself in Kyrgyz."""

from __future__ import annotations

import json

import pytest

from haki.crisis.tests.test_core_loop_end_to_end import alert_of
from haki.messaging.tests.kannel import Kannel
from haki.tests.harness import RunningHaki

pytestmark = pytest.mark.kannel
CHANNEL = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
SHORTCODE = "20777"
ORGANISATION = """
organisation: {{slug: scripts, name: Scripts Network, country: KE, timezone: Africa/Nairobi,
               languages: [en, ky, te, my], allow_local_gateways: true}}
areas:
  - {{code: CEN, name: Central}}
escalation: {{ack_timeout_seconds: 600, tiers: [paralegal]}}
channels:
  - {{uuid: {channel}, type: kn, name: Shortcode, address: "{shortcode}",
     send_url: "{send_url}", username: haki, password: kannel-pw, tps: 50}}
responders:
  - {{name: Thida, phone: "+254190300001", tier: paralegal, areas: [CEN], on_duty: true,
     language: my}}
  - {{name: Ravi, phone: "+254190300002", tier: paralegal, areas: [CEN], on_duty: true,
     language: te}}
members:
  - {{alias: Aida, phone: "+254190310001", area: CEN, language: ky}}
"""
THIDA, RAVI, AIDA, NEWCOMER = "+254190300001", "+254190300002", "+254190310001", "+254190310002"

MEMBERS = """
import json
from haki.crisis.models import Responder
from haki.members.models import Member
members = [
    {"language": m.language, "opted_out": m.opted_out_on is not None,
     "erased": m.erased_on is not None}
    for m in Member.objects.order_by("pk")
]
print(json.dumps({"aida": members[0], "newcomer": members[1] if len(members) > 1 else None,
                  "ravi_on_duty": Responder.objects.order_by("pk")[1].on_duty}))
"""


def reply(haki: RunningHaki, key: str, language: str, **values: str) -> str:
    """What Haki's own catalogue says for ``key`` in ``language``."""
    code = (
        "from haki.core.models import Organisation\n"
        "from haki.messaging.texts import render\n"
        f"print(render(Organisation.objects.get(), {key!r}, {language!r}, **{values!r}))"
    )
    return haki.shell(code).strip()


def state(haki: RunningHaki) -> dict:
    return json.loads(haki.shell(MEMBERS))


def test_commands_work_in_kyrgyz_telugu_and_burmese_and_in_latin_letters(tmp_path):
    haki = RunningHaki(tmp_path)
    kannel = Kannel(tmp_path, receive_url=f"{haki.url}/c/kn/{CHANNEL}/receive")
    haki.provision(
        ORGANISATION.format(channel=CHANNEL, shortcode=SHORTCODE, send_url=kannel.send_url)
    )
    haki.start_web()
    try:
        haki.start_worker()
        sent = {THIDA: 0, RAVI: 0, AIDA: 0, NEWCOMER: 0}

        def texts(sender: str, text: str, *to: str) -> list[str]:
            kannel.phone_sends(sender, SHORTCODE, text)
            answers = []
            for number in to:
                sent[number] += 1
                answers.append(kannel.wait_for_delivery(number, count=sent[number])[-1].text)
            return answers

        # Kyrgyz, Cyrillic script: a member's help reaches both paralegals.
        (confirmation, *_) = texts(AIDA, "жардам", AIDA, THIDA, RAVI)
        assert confirmation == reply(haki, "alert.member", "ky")
        ref = alert_of(haki, "Aida")["ref"]
        # Burmese script takes it, Burmese in Latin letters closes it.
        texts(THIDA, f"လက်ခံ {ref}", THIDA, RAVI, AIDA)
        assert alert_of(haki, "Aida")["by"] == "Thida"
        texts(THIDA, f"pyibyi {ref} released", THIDA, AIDA)
        closed = alert_of(haki, "Aida")
        assert closed["status"] == "closed" and closed["outcome"] == "released"

        # Telugu in Latin letters, then in its script: off duty and on again.
        texts(RAVI, "Selavu", RAVI)
        assert state(haki)["ravi_on_duty"] is False
        texts(RAVI, "డ్యూటీలో", RAVI)
        assert state(haki)["ravi_on_duty"] is True

        # A newcomer joins in Telugu and is welcomed in it.
        (welcome,) = texts(NEWCOMER, "చేరండి CEN", NEWCOMER)
        assert welcome == reply(haki, "join.welcome", "te")
        assert state(haki)["newcomer"]["language"] == "te"

        # Kyrgyz in Latin letters: language, stop, start; then erasure in Cyrillic.
        texts(AIDA, "til telugu", AIDA)
        assert state(haki)["aida"]["language"] == "te"
        texts(AIDA, "TOKTOT", AIDA)
        assert state(haki)["aida"]["opted_out"] is True
        texts(AIDA, "Bashta", AIDA)
        assert state(haki)["aida"]["opted_out"] is False
        (ask,) = texts(AIDA, "өчүр", AIDA)
        assert ask == reply(haki, "delete.confirm", "te")
        texts(AIDA, "өчүр ооба", AIDA)
        assert state(haki)["aida"]["erased"] is True
    finally:
        kannel.stop()
        haki.stop()
