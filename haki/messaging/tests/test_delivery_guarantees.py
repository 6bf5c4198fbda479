"""Nothing lost, nothing twice, never faster than the channel allows: with Haki's
web server and workers as real processes, on their own database."""

from __future__ import annotations

import json
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest

from haki.messaging.tests.kannel import Kannel
from haki.messaging.tests.stub_gateway import StubGateway
from haki.tests.harness import RunningHaki, queue_notices, wait_until

CHANNEL = "7a1e2b3c-4d5e-4f60-8a9b-0c1d2e3f4a5b"
ORGANISATION = """
organisation: {{slug: guarantees, name: Guarantee Test Network, country: KE,
               timezone: Africa/Nairobi, languages: [en, sw],
               allow_local_gateways: true}}
areas: [{{code: KSM, name: Kisumu}}]
channels:
  - {{uuid: {channel}, type: kn, name: Shortcode, address: "20888",
     send_url: "{send_url}", username: haki, password: kannel-pw, tps: {tps}}}
"""

STATUSES = """
import json
from haki.messaging.models import Msg
statuses = Msg.objects.filter(direction="out").values_list("status", flat=True)
print(json.dumps(dict(Counter(statuses))))
""".replace("import json\n", "import json\nfrom collections import Counter\n")


def statuses(haki: RunningHaki) -> dict[str, int]:
    return json.loads(haki.shell(STATUSES))


def test_a_burst_of_1000_texts_is_stored_once_each(tmp_path):
    gateway = StubGateway()
    with RunningHaki(tmp_path) as haki:
        haki.provision(ORGANISATION.format(channel=CHANNEL, send_url=gateway.url, tps=1000))
        haki.start_web(workers=2)
        url = f"{haki.url}/c/kn/{CHANNEL}/receive"

        def post(i: int) -> int:
            sender = quote(f"+2541907{i % 400:05d}")
            query = (
                f"backend=fake&sender={sender}&message=raid+{i}&ts=1795263728&id=burst-{i}&to=20888"
            )
            request = urllib.request.Request(
                f"{url}?{query}",
                data=f"raid {i}".encode(),
                headers={"Content-Type": "text/plain; charset=UTF-8"},
            )
            with urllib.request.urlopen(request, timeout=60) as answer:
                return answer.status

        # Every text once, then the first 150 again, as a gateway retries after a timeout.
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(post, [*range(1000), *range(150)]))
        assert Counter(answers) == {200: 1150}
        counted = haki.shell(
            "from haki.messaging.models import Msg\n"
            "texts = Msg.objects.filter(direction='in')\n"
            "print(texts.count(), texts.values('external_id').distinct().count())"
        )
        assert counted.split() == ["1000", "1000"]
    gateway.close()


@pytest.mark.kannel
def test_a_worker_killed_while_sending_loses_and_repeats_nothing(tmp_path):
    with RunningHaki(tmp_path, HAKI_SEND_LEASE_SECONDS="2") as haki:
        kannel = Kannel(tmp_path, receive_url=f"{haki.url}/c/kn/{CHANNEL}/receive")
        try:
            haki.provision(ORGANISATION.format(channel=CHANNEL, send_url=kannel.send_url, tps=10))
            haki.start_web()  # delivery reports keep arriving while the worker is down
            haki.shell(queue_notices("guarantees", 40))
            haki.start_worker(threads=2)
            wait_until(lambda: len(kannel.delivered) >= 8, 30, what="the first texts")
            haki.kill("worker")
            killed_at = len(kannel.delivered)
            assert killed_at < 40, "the worker finished before it could be killed"
            haki.start_worker(threads=2)
            wait_until(
                lambda: len({d.text for d in kannel.delivered}) == 40,
                90,
                what="all 40 texts delivered",
            )
            time.sleep(4)  # a lease and a sweep more: any repeat would show by now
            counts = Counter(d.text for d in kannel.delivered)
            assert set(counts) == {f"notice {i}" for i in range(40)}
            assert max(counts.values()) == 1, [t for t, n in counts.items() if n > 1]
            final = statuses(haki)
            assert sum(final.values()) == 40
            assert set(final) <= {"wired", "sent", "delivered"}, final
        finally:
            kannel.stop()


def test_100_texts_on_a_10_per_second_channel_take_at_least_9_9_seconds(tmp_path):
    gateway = StubGateway()
    with RunningHaki(tmp_path) as haki:
        haki.provision(
            ORGANISATION.format(channel=CHANNEL, send_url=f"{gateway.url}/cgi-bin/sendsms", tps=10)
        )
        haki.shell(queue_notices("guarantees", 100))
        haki.start_worker(threads=4)
        haki.start_worker("second-worker", threads=4)  # two consumers share one limit
        wait_until(lambda: len(gateway.requests) >= 100, 60, what="100 sends")
        times = sorted(r.at for r in gateway.requests)
        assert len(times) == 100
        assert times[-1] - times[0] >= 9.9
    gateway.close()
