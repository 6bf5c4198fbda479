"""The core loop's speed on this machine, with Haki running as in production.

- HELP latency: from the webhook accepting a member's HELP to both paralegals' texts
  reaching the gateway, idle and while other texts pour in (p50, p99).
- Missed-call latency: from a member's flash reaching the Africa's Talking voice
  webhook to the first paralegal's text reaching the gateway, idle (p50, p99).
- Escalation lateness: with 1,000 alerts waiting, how late after its deadline each
  escalation is done (p50, p99), idle and again while 40 other texts a second arrive.

    .venv/bin/python -m bench.crisis [--alerts 100] [--pending 1000] [--database sqlite|URL]

Targets (issue: crisis response): p99 under 300 ms idle and under 1 s loaded;
escalation no later than 2 s after its deadline; a missed call p99 under 1 s."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

from haki.messaging.tests.stub_gateway import StubGateway
from haki.tests.harness import RunningHaki, wait_until

CHANNEL = "2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b"
# A number for calls alone (no SMS API key): a flash's texts go out through the shortcode.
VOICE_CHANNEL = "3f4a5b6c-7d8e-4f9a-8b1c-2d3e4f5a6b7c"
PARALEGALS = ("+254190500001", "+254190500002")
FORM = "application/x-www-form-urlencoded"


def organisation(send_url: str, members: int) -> str:
    people = "\n".join(
        f'  - {{alias: M{i}, phone: "+2541906{i:05d}", area: KSM-C}}' for i in range(members)
    )
    return f"""
organisation: {{slug: bench-crisis, name: Bench Crisis, country: KE, timezone: Africa/Nairobi,
               languages: [en],
               allow_local_gateways: true}}
areas:
  - {{code: KSM, name: Kisumu}}
  - {{code: KSM-C, name: Kisumu Central, parent: KSM}}
escalation: {{ack_timeout_seconds: 3600, tiers: [paralegal, lawyer, coordinator]}}
channels:
  - {{uuid: {CHANNEL}, type: kn, name: Shortcode, address: "20444", send_url: "{send_url}",
     username: haki, password: pw, tps: 1000}}
  - {{uuid: {VOICE_CHANNEL}, type: at, name: Voice, address: "+254711082000", username: haki}}
responders:
  - {{name: P1, phone: "{PARALEGALS[0]}", tier: paralegal, areas: [KSM-C], on_duty: true}}
  - {{name: P2, phone: "{PARALEGALS[1]}", tier: paralegal, areas: [KSM-C], on_duty: true}}
  - {{name: L1, phone: "+254190500003", tier: lawyer, areas: [KSM], on_duty: true}}
members:
{people}
"""


class Webhook:
    def __init__(self, url: str):
        parts = urlsplit(url)
        self.host, self.port, self.path = parts.hostname, parts.port, parts.path
        self.local = threading.local()
        self.count = 0

    def post(self, sender: str, text: str) -> float:
        """Post one Kannel text; return the moment the gateway got its 200."""
        if not hasattr(self.local, "connection"):
            self.local.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        self.count += 1
        query = (
            f"backend=fake&sender={quote(sender)}&message=x&ts=1795263728"
            f"&id=b-{threading.get_ident()}-{self.count}-{time.monotonic_ns()}&to=20444"
        )
        for attempt in (1, 2):
            try:
                self.local.connection.request(
                    "POST",
                    f"{self.path}?{query}",
                    body=text.encode(),
                    headers={"Content-Type": "text/plain; charset=UTF-8"},
                )
                answer = self.local.connection.getresponse()
                break
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                # gunicorn closes a keep-alive connection left idle for 2 s: open another.
                self.local.connection.close()
                if attempt == 2:
                    raise
        answer.read()
        assert answer.status == 200
        return time.monotonic()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def texted(gateway: StubGateway, alias: str) -> list[float] | None:
    """When both paralegals' texts about ``alias`` reached the gateway, once they have."""
    times = [
        r.at
        for r in gateway.requests
        if r.query.get("to", [""])[0] in PARALEGALS and alias in r.query.get("text", [""])[0]
    ]
    return times if len(times) == 2 else None


def paralegals_texted(gateway: StubGateway, i: int) -> list[float]:
    """Waits for both paralegals' texts about member ``i``; when each reached the gateway."""
    alias = f"M{i} "
    return wait_until(
        lambda: texted(gateway, alias), 30, interval=0.002, what="the paralegals' texts"
    )


def help_latencies(webhook: Webhook, gateway: StubGateway, first: int, count: int) -> list[float]:
    latencies = []
    for i in range(first, first + count):
        accepted = webhook.post(f"+2541906{i:05d}", "HELP")
        latencies.append((max(paralegals_texted(gateway, i)) - accepted) * 1000)
        time.sleep(0.2)
    return latencies


def flash_latencies(url: str, gateway: StubGateway, first: int, count: int) -> list[float]:
    """From each flash's callback leaving for the webhook to the first paralegal's text
    reaching the gateway."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    latencies = []
    for i in range(first, first + count):
        form = (
            f"isActive=1&sessionId=ATVId_bench_{i}_{time.monotonic_ns()}&direction=Inbound"
            f"&callerNumber={quote(f'+2541906{i:05d}')}&destinationNumber=%2B254711082000"
        )
        started = time.monotonic()
        connection.request(
            "POST", parts.path, body=form, headers={"Content-Type": FORM, "Connection": "close"}
        )
        answer = connection.getresponse()
        assert answer.status == 200 and b"<Reject/>" in answer.read()
        connection.close()
        latencies.append((min(paralegals_texted(gateway, i)) - started) * 1000)
        time.sleep(0.2)
    return latencies


def background_load(webhook: Webhook, stop: threading.Event, per_second: int) -> None:
    n = 0
    while not stop.is_set():
        webhook.post(f"+2541907{n % 5000:05d}", f"news {n}")
        n += 1
        time.sleep(1 / per_second)


PENDING = """
import json
from datetime import timedelta
from django.db import transaction
from django.utils import timezone
from haki.core.models import Organisation
from haki.crisis import tasks
from haki.crisis.models import Alert
org = Organisation.objects.get(slug="bench-crisis")
area = org.areas.get(code="KSM-C")
start = timezone.now() + timedelta(seconds=10)
deadlines = {{}}
with transaction.atomic():
    for i in range({count}):
        alert = Alert(organisation=org, reference=Alert.new_reference(org), area=area,
                      next_escalation_on=start + timedelta(seconds=i * {spread} / {count}))
        alert.save()
        deadlines[alert.pk] = alert.next_escalation_on.isoformat()
for pk, deadline in deadlines.items():
    tasks.escalate.schedule((pk,), eta=Alert.objects.get(pk=pk).next_escalation_on)
print(json.dumps(deadlines))
"""
LATENESS = """
import json
from haki.crisis.models import AlertEvent
events = AlertEvent.objects.filter(kind="escalated")
print(json.dumps({e.alert_id: e.at.isoformat() for e in events}))
"""


def escalation_lateness(haki: RunningHaki, count: int, spread: float) -> list[float]:
    from datetime import datetime

    deadlines = json.loads(haki.shell(PENDING.format(count=count, spread=spread)))
    wait_until(
        lambda: set(deadlines) <= set(json.loads(haki.shell(LATENESS))),
        120 + spread,
        interval=2,
        what="every escalation",
    )
    done = json.loads(haki.shell(LATENESS))
    return [
        (datetime.fromisoformat(done[pk]) - datetime.fromisoformat(deadline)).total_seconds()
        for pk, deadline in deadlines.items()
    ]


def run(database: str, alerts: int, pending: int, huey_url: str | None = None) -> dict[str, float]:
    gateway = StubGateway()
    queue = {"HAKI_HUEY_URL": huey_url} if huey_url else {}
    with (
        tempfile.TemporaryDirectory() as folder,
        RunningHaki(Path(folder), database, **queue) as haki,
    ):
        haki.provision(organisation(f"{gateway.url}/cgi-bin/sendsms", 3 * alerts + 10))
        haki.start_web(workers=2)
        haki.start_worker(threads=8)
        url = f"{haki.url}/c/kn/{CHANNEL}/receive"
        webhook = Webhook(url)
        help_latencies(webhook, gateway, 2 * alerts, 5)  # warm up
        idle = help_latencies(webhook, gateway, 0, alerts)
        voice = f"{haki.url}/c/at/{VOICE_CHANNEL}/voice"
        flash_latencies(voice, gateway, 3 * alerts + 5, 5)  # warm up
        flashes = flash_latencies(voice, gateway, 2 * alerts + 5, alerts)
        stop = threading.Event()
        load = threading.Thread(target=background_load, args=(Webhook(url), stop, 40))
        load.start()
        loaded = help_latencies(webhook, gateway, alerts, alerts)
        stop.set()
        load.join()
        late = escalation_lateness(haki, pending, spread=30)
        stop = threading.Event()
        load = threading.Thread(target=background_load, args=(Webhook(url), stop, 40))
        load.start()
        late_loaded = escalation_lateness(haki, pending, spread=30)
        stop.set()
        load.join()
    gateway.close()
    return {
        "help_latency_p50_ms_idle": round(statistics.median(idle), 1),
        "help_latency_p99_ms_idle": round(percentile(idle, 0.99), 1),
        "help_latency_p50_ms_loaded": round(statistics.median(loaded), 1),
        "help_latency_p99_ms_loaded": round(percentile(loaded, 0.99), 1),
        "missed_call_latency_p50_ms": round(statistics.median(flashes), 1),
        "missed_call_latency_p99_ms": round(percentile(flashes, 0.99), 1),
        "escalation_lateness_p50_s": round(statistics.median(late), 3),
        "escalation_lateness_p99_s": round(percentile(late, 0.99), 3),
        "escalation_lateness_p99_s_loaded": round(percentile(late_loaded, 0.99), 3),
    }


TARGETS = {
    "help_latency_p99_ms_idle": 300,
    "help_latency_p99_ms_loaded": 1000,
    "escalation_lateness_p99_s": 2,
    "escalation_lateness_p99_s_loaded": 2,
    "missed_call_latency_p99_ms": 1000,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=100)
    parser.add_argument("--pending", type=int, default=1000)
    parser.add_argument("--database", default="sqlite")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haki.settings.test")
    figures = run(args.database, args.alerts, args.pending)
    print(f"{'figure':<30}{'measured':>12}{'target':>10}")
    for name, value in figures.items():
        target = TARGETS.get(name)
        print(f"{name:<30}{value:>12}{'< ' + str(target) if target else '':>10}")
    out = Path(__file__).with_name("results-crisis.json")
    out.write_text(json.dumps({"database": args.database, **figures}, indent=2) + "\n")


if __name__ == "__main__":
    main()
