"""Haki as Kannel's sms-service, end to end: real bearerbox and smsbox from Debian,
fakesmsc as the phones, Haki's web server and worker as separate processes.

A text typed into fakesmsc reaches Haki; Haki's reply comes out of fakesmsc. Texts
outside the GSM alphabet travel as UCS-2 both ways and arrive unchanged."""

from __future__ import annotations

import json

import pytest

from haki.messaging.tests.kannel import Kannel
from haki.tests.harness import RunningHaki, wait_until

pytestmark = pytest.mark.kannel
CHANNEL = "5d1f0c3e-8a7b-4c2d-9e1f-0a2b3c4d5e6f"
SHORTCODE = "20999"

ORGANISATION = """
organisation: {{slug: kannel-e2e, name: Kannel Test Network, country: KE,
               timezone: Africa/Nairobi, languages: [en, sw, ru, te, my],
               allow_local_gateways: true}}
areas:
  - {{code: KSM, name: Kisumu}}
  - {{code: KSM-C, name: Kisumu Central, parent: KSM}}
channels:
  - {{uuid: {channel}, type: kn, name: Shortcode, address: "{shortcode}",
     send_url: "{send_url}", username: haki, password: kannel-pw, tps: 20}}
members:
  - {{alias: Tulip, phone: "+254190300001", area: KSM-C, language: sw}}
  - {{alias: Lotus, phone: "+254190300002", area: KSM-C, language: te}}
  - {{alias: Orchid, phone: "+254190300003", area: KSM-C, language: my}}
templates:
  unknown.member:
    sw: "Asanté — tumepokea ujumbe wako."
    te: "ధన్యవాదాలు, మీ సందేశం అందింది."
    my: "ကျေးဇူးတင်ပါတယ်၊ သင့်စာကို ရရှိပါပြီ။"
"""


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kannel-e2e")
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


def stored_texts(haki: RunningHaki, sender: str) -> list[dict]:
    code = (
        "import json\nfrom haki.messaging.models import Msg\n"
        "from haki.core.models import Organisation\n"
        "org = Organisation.objects.get(slug='kannel-e2e')\n"
        f"rows = Msg.objects.filter(organisation=org, phone_index=org.keyring.index('{sender}'))\n"
        "print(json.dumps([{'direction': m.direction, 'text': m.text, 'status': m.status,"
        " 'language': m.language} for m in rows.order_by('pk')]))"
    )
    return json.loads(haki.shell(code))


def test_a_text_typed_into_fakesmsc_reaches_haki_and_the_reply_comes_back(running):
    haki, kannel = running
    kannel.phone_sends("+254190400001", SHORTCODE, "JOIN KSM-C")
    (reply,) = kannel.wait_for_delivery("+254190400001")
    assert reply.sender == SHORTCODE
    assert reply.text == "Welcome, you are registered. Send STOP at any time to stop messages."
    texts = stored_texts(haki, "+254190400001")
    assert texts[0] == {
        "direction": "in",
        "text": "JOIN KSM-C",
        "status": "handled",
        "language": "",
    }
    registered = haki.shell(
        "from haki.members.models import Member; from haki.core.models import Organisation\n"
        "org = Organisation.objects.get(slug='kannel-e2e')\n"
        "print(Member.objects.with_phone(org, '0190400001').get().area.code)"
    )
    assert registered.strip() == "KSM-C"
    wait_until(
        lambda: stored_texts(haki, "+254190400001")[-1]["status"] in ("sent", "delivered"),
        20,
        what="Kannel's delivery report",
    )


def test_cyrillic_travels_both_ways_as_ucs2(running):
    haki, kannel = running
    kannel.phone_sends("+996900400002", SHORTCODE, "Вступить ksm-c")
    (reply,) = kannel.wait_for_delivery("+996900400002")
    assert reply.text == (
        "Добро пожаловать, вы зарегистрированы. Отправьте СТОП в любой момент, "
        "чтобы отказаться от сообщений."
    )
    assert stored_texts(haki, "+996900400002")[0]["text"] == "Вступить ksm-c"


@pytest.mark.parametrize(
    ("sender", "text", "expected_reply"),
    [
        ("+254190300002", "నేను స్టేషన్‌లో ఉన్నాను", "ధన్యవాదాలు, మీ సందేశం అందింది."),
        ("+254190300003", "ကျွန်မ ရဲစခန်းမှာ ရှိတယ်", "ကျေးဇူးတင်ပါတယ်၊ သင့်စာကို ရရှိပါပြီ။"),
        ("+254190300001", "Nimekamatwa, tafadhali piga simu", "Asanté — tumepokea ujumbe wako."),
    ],
    ids=["telugu", "burmese", "accented-swahili"],
)
def test_telugu_burmese_and_accented_swahili_survive_the_round_trip(
    running, sender, text, expected_reply
):
    haki, kannel = running
    kannel.phone_sends(sender, SHORTCODE, text)
    (reply,) = kannel.wait_for_delivery(sender)
    assert reply.text == expected_reply
    received = stored_texts(haki, sender)[0]
    assert received["text"] == text and received["status"] == "inbox"
