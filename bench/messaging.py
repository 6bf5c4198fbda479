"""Messaging throughput on this machine: how many texts per second the gateway
webhook stores, and how many the worker hands to a gateway, on SQLite and on
PostgreSQL. Haki runs as in production: gunicorn and a Huey worker as processes.

    .venv/bin/python -m bench.messaging [--texts 2000] [--clients 16]

The gateway is a local stub answering like Kannel, so the figures are Haki's own."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from bench import load, postgres
from haki.messaging.tests.stub_gateway import StubGateway
from haki.tests.harness import RunningHaki, wait_until
from haki.tests.services import postgres_problem

CHANNEL = "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e"
ORGANISATION = """
organisation: {{slug: bench, name: Bench Network, country: KE, timezone: Africa/Nairobi,
               languages: [en, sw],
               allow_local_gateways: true}}
areas: [{{code: KSM, name: Kisumu}}]
channels:
  - {{uuid: {channel}, type: kn, name: Shortcode, address: "20777",
     send_url: "{send_url}", username: haki, password: bench-pw, tps: 1000}}
"""
BACKLOG = """
from haki.messaging.models import Msg
print(Msg.objects.filter(status__in=["received", "queued", "sending"]).count())
"""
QUEUE = """
from django.db import transaction
from haki.core.models import Organisation
from haki.messaging import outbox
org = Organisation.objects.get(slug="bench")
for start in range(0, {count}, 500):
    with transaction.atomic():
        for i in range(start, min(start + 500, {count})):
            outbox.queue(org, "+2541908%05d" % i, "bench %d" % i)
"""


def measure(database: str, texts: int, clients: int, sends: int) -> dict[str, float]:
    gateway = StubGateway()
    with tempfile.TemporaryDirectory() as folder, RunningHaki(Path(folder), database) as haki:
        haki.provision(
            ORGANISATION.format(channel=CHANNEL, send_url=f"{gateway.url}/cgi-bin/sendsms")
        )
        haki.start_web(workers=2)
        receive = f"{haki.url}/c/kn/{CHANNEL}/receive"
        # Warm up connections and caches, with gateway ids of their own.
        load.send(receive, "kannel", 200, connections=clients, run="warm")
        inbound = load.send(receive, "kannel", texts, connections=clients)
        # The worker first routes that backlog and replies to it; only then is the
        # sending of freshly queued texts timed.
        haki.start_worker(threads=8)
        wait_until(lambda: haki.shell(BACKLOG).strip() == "0", 900, interval=1, what="backlog")
        already = len(gateway.requests)
        started = time.perf_counter()
        haki.shell(QUEUE.format(count=sends))
        wait_until(
            lambda: len(gateway.requests) - already >= sends, 600, interval=0.05, what="all sends"
        )
        outbound = sends / (time.perf_counter() - started)
    gateway.close()
    return {"inbound_msgs_per_s": round(inbound, 1), "outbound_msgs_per_s": round(outbound, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--sends", type=int, default=1000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("HAKI_BENCH_POSTGRES_URL", postgres.DEFAULT_SERVER),
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haki.settings.test")
    results = {"machine": {"cores": os.cpu_count()}, "texts": args.texts, "sends": args.sends}
    print(f"{'database':<12}{'inbound texts/s':>18}{'outbound texts/s':>18}")
    for name, database in (("SQLite", "sqlite"), ("PostgreSQL", args.postgres)):
        if database != "sqlite" and postgres_problem(database):
            print(f"{name:<12}{'not reachable at ' + database:>36}")
            continue
        figures = measure(database, args.texts, args.clients, args.sends)
        results[name.lower()] = figures
        print(f"{name:<12}{figures['inbound_msgs_per_s']:>18}{figures['outbound_msgs_per_s']:>18}")
    out = Path(__file__).with_name("results-messaging.json")
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
