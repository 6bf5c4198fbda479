"""Sending in batches, with Haki's workers as real processes: an alert raised while a
broadcast drains on the same channel reaches the gateway ahead of the broadcast's
remaining texts, and a worker killed in the middle of a batch loses nothing and sends
nothing twice."""

from __future__ import annotations

import json
import time
from collections import Counter

from haki.messaging.tests.stub_gateway import StubGateway
from haki.tests.harness import RunningHaki, wait_until

CHANNEL = "3d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a"
PARALEGAL = "+254190300011"
ORGANISATION = """
organisation: {{slug: batches, name: Batch Test Network, country: KE,
               timezone: Africa/Nairobi, languages: [en, sw],
               allow_local_gateways: true}}
areas: [{{code: KSM, name: Kisumu}}]
channels:
  - {{uuid: {channel}, type: kn, name: Shortcode, address: "20999",
     send_url: "{send_url}", username: haki, password: kannel-pw, tps: {tps}}}
responders:
  - {{name: Zuri, phone: "{paralegal}", tier: paralegal, areas: [KSM], on_duty: true}}
"""

# A broadcast as surveys queue one: every text in one transaction, then a few drains.
BROADCAST = """
import uuid
from django.db import transaction
from haki.core.models import Organisation
from haki.messaging import outbox
from haki.messaging.models import Msg
org = Organisation.objects.get(slug="batches")
rows = [(None, "en", *Msg.phone.columns(org, "+2541904%05d" % i).values())
        for i in range({count})]
with transaction.atomic():
    outbox.queue_many(org, rows, {{"en": "pulse"}}, template="broadcast", batch=uuid.uuid4())
"""
RAISE = """
from haki.core.models import Organisation
from haki.crisis.alerts import raise_alert
raise_alert(Organisation.objects.get(slug="batches"), words="raid at the market")
"""
STATUSES = """
import json
from collections import Counter
from haki.messaging.models import Msg
print(json.dumps(Counter(Msg.objects.filter(direction="out").values_list("status", flat=True))))
"""


def organisation(gateway: StubGateway, tps: int) -> str:
    send_url = f"{gateway.url}/cgi-bin/sendsms"
    return ORGANISATION.format(channel=CHANNEL, send_url=send_url, tps=tps, paralegal=PARALEGAL)


def recipients(gateway: StubGateway) -> list[str]:
    return [request.query["to"][0] for request in list(gateway.requests)]


def test_an_alert_raised_during_a_broadcast_reaches_the_gateway_before_the_rest(tmp_path):
    gateway = StubGateway()
    # Two worker threads, both draining the broadcast: the alert's own prompt to send
    # waits behind them, and only the drains' priority lane can take its text early.
    with RunningHaki(tmp_path, HAKI_DRAIN_TASKS="2") as haki:
        haki.provision(organisation(gateway, tps=100))
        haki.start_worker(threads=2)
        haki.shell(BROADCAST.format(count=1000))
        wait_until(lambda: len(gateway.requests) >= 100, 60, what="the broadcast to start")
        haki.shell(RAISE)
        raised_at = len(gateway.requests)
        wait_until(lambda: PARALEGAL in recipients(gateway), 60, what="the alert's text")
        position = recipients(gateway).index(PARALEGAL)
        assert raised_at < 1000, "the broadcast ended before the alert was raised"
        # Within a second of the channel's 100 texts a second, far ahead of the rest.
        assert position - raised_at < 100, (raised_at, position)
        wait_until(lambda: len(gateway.requests) >= 1001, 60, what="the whole broadcast")
        assert Counter(recipients(gateway))[PARALEGAL] == 1
    gateway.close()


def test_a_worker_killed_in_the_middle_of_a_batch_loses_and_repeats_nothing(tmp_path):
    # Each send takes 30 ms and is reported delivered before it is answered, as Kannel
    # can: a text the gateway took while its batch was still being sent is not sent
    # again after the lease, one the gateway never saw is.
    gateway = StubGateway(delivery_reports=True, delay=0.03)
    with RunningHaki(tmp_path, HAKI_SEND_LEASE_SECONDS="2", HAKI_SEND_BATCH="50") as haki:
        haki.provision(organisation(gateway, tps=1000))
        haki.start_web()  # delivery reports keep arriving while the worker is down
        haki.start_worker(threads=4)
        haki.shell(BROADCAST.format(count=600))
        wait_until(lambda: len(gateway.requests) >= 120, 60, what="the first batches")
        haki.kill("worker")
        killed_at = len(gateway.requests)
        assert killed_at < 600, "the worker finished before it could be killed"
        stuck = json.loads(haki.shell(STATUSES)).get("sending", 0)
        assert stuck > 0, "no batch was in the middle of being sent"
        haki.start_worker(threads=4)
        wait_until(lambda: len(set(recipients(gateway))) == 600, 90, what="all 600 texts")
        time.sleep(4)  # a lease and a sweep more: any repeat would show by now
        counts = Counter(recipients(gateway))
        assert len(counts) == 600
        assert max(counts.values()) == 1, [n for n, c in counts.items() if c > 1]
        final = json.loads(haki.shell(STATUSES))
        assert sum(final.values()) == 600
        assert set(final) <= {"wired", "sent", "delivered"}, final
    gateway.close()
