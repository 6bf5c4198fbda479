"""Messaging throughput on this machine: how many texts per second the gateway
webhook stores, and how many the worker hands to a gateway, on SQLite and on
PostgreSQL. Haki runs as in production: gunicorn and a Huey worker as processes.

    .venv/bin/python -m bench.messaging [--texts 2000] [--clients 16]

The gateway is a local stub answering like Kannel, so the figures are Haki's own."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote, urlsplit

from haki.messaging.tests.stub_gateway import StubGateway
from haki.tests.harness import RunningHaki, wait_until

CHANNEL = "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e"
ORGANISATION = """
organisation: {{slug: bench, name: Bench Network, country: KE, timezone: Africa/Nairobi,
               languages: [en, sw]}}
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


def post_inbound(url: str, texts: int, clients: int) -> float:
    """POST ``texts`` Kannel payloads from ``clients`` keep-alive connections."""
    parts = urlsplit(url)

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        for i in range(offset, texts, clients):
            query = (
                f"backend=fake&sender={quote(f'+2541909{i % 5000:05d}')}&message=x"
                f"&ts=1795263728&id=bench-{i}&to=20777"
            )
            connection.request(
                "POST",
                f"{parts.path}?{query}",
                body=b"help at the market",
                headers={"Content-Type": "text/plain; charset=UTF-8"},
            )
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 200, answer.status
        connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(client, range(clients)))
    return texts / (time.perf_counter() - started)


def measure(database: str, texts: int, clients: int, sends: int) -> dict[str, float]:
    gateway = StubGateway()
    with tempfile.TemporaryDirectory() as folder, RunningHaki(Path(folder), database) as haki:
        haki.provision(
            ORGANISATION.format(channel=CHANNEL, send_url=f"{gateway.url}/cgi-bin/sendsms")
        )
        haki.start_web(workers=2)
        receive = f"{haki.url}/c/kn/{CHANNEL}/receive"
        post_inbound(receive, 200, clients)  # warm up connections and caches
        inbound = post_inbound(receive, texts, clients)
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


def reachable(url: str) -> bool:
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--sends", type=int, default=1000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "HAKI_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haki.settings.test")
    results = {"machine": {"cores": os.cpu_count()}, "texts": args.texts, "sends": args.sends}
    print(f"{'database':<12}{'inbound texts/s':>18}{'outbound texts/s':>18}")
    for name, database in (("SQLite", "sqlite"), ("PostgreSQL", args.postgres)):
        if database != "sqlite" and not reachable(database):
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
