"""Inbound webhook throughput: Haki against the bare floor and RapidSMS, each served by
gunicorn with the same processes and threads, each on a fresh database on the same
PostgreSQL server, each sent the same texts by the same load generator."""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench import floor, load, rapidsms_reference
from bench.processes import cpu_seconds
from bench.queues import empty_queue
from bench.serving import Gunicorn
from haki.messaging.tests.stub_gateway import StubGateway
from haki.tests.harness import ROOT, RunningHaki, fresh_database, wait_until

KANNEL = "5d1c3b2a-4e6f-4a8b-9c0d-1e2f3a4b5c6d"
AFRICAS_TALKING = "6e2d4c3b-5f7a-4b9c-8d1e-2f3a4b5c6d7e"
ORGANISATION = """
organisation: {{slug: bench-inbound, name: Bench Inbound, country: KE,
               timezone: Africa/Nairobi, languages: [en, sw],
               allow_local_gateways: true}}
areas: [{{code: KSM, name: Kisumu}}]
channels:
  - {{uuid: {kannel}, type: kn, name: Shortcode, address: "20777",
     send_url: "{kannel_url}/cgi-bin/sendsms", username: haki, password: bench-pw, tps: 1000}}
  - {{uuid: {africas_talking}, type: at, name: AT, address: "20880", username: bench,
     api_key: bench-key, send_url: "{at_url}/version1/messaging", tps: 1000}}
"""
SETTLE_BACKLOG = """
from haki.messaging.models import Msg
Msg.objects.filter(direction="in", status="received").update(status="handled")
"""
# Read straight from the database: a `haki shell` per poll would cost the machine more
# CPU than the work being timed.
UNROUTED = """
SELECT count(*) FILTER (WHERE status = 'received'), count(*)
FROM messaging_msg WHERE direction = 'in'
"""


def provision(running: RunningHaki, kannel_url: str, at_url: str) -> None:
    """The benchmark's organisation, its two channels sending through these gateways."""
    running.provision(
        ORGANISATION.format(
            kannel=KANNEL, africas_talking=AFRICAS_TALKING, kannel_url=kannel_url, at_url=at_url
        )
    )


def unrouted(database_url: str) -> tuple[int, int]:
    """Incoming texts not yet routed, and all incoming texts."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        waiting, total = connection.execute(UNROUTED).fetchone()
    return int(waiting), int(total)


def measured(
    rounds: int, texts: int, server_pid: int, send: Callable[[int], float]
) -> tuple[float, float]:
    """The median rate of ``rounds`` rounds of ``texts`` (which damps a neighbour's burst
    of CPU), and the web server's CPU milliseconds per text over all of them."""
    cpu_before = cpu_seconds(server_pid)
    rates = sorted(send(n) for n in range(rounds))
    cpu_ms = (cpu_seconds(server_pid) - cpu_before) * 1000 / (rounds * texts)
    return rates[len(rates) // 2], cpu_ms


def haki(
    database: str, huey_url: str | None, texts: int, rounds: int, suffix: str = ""
) -> dict[str, float]:
    """Haki's webhook, then (with a Redis queue) Haki taking in and routing texts.
    ``database``: a PostgreSQL server URL or "sqlite"; ``suffix`` ends each key."""
    kannel_gateway, at_gateway = StubGateway(), StubGateway(kind="at")
    queue = {"HAKI_HUEY_URL": huey_url} if huey_url else {}
    figures: dict[str, float] = {}
    with (
        tempfile.TemporaryDirectory() as folder,
        RunningHaki(Path(folder), database, **queue) as running,
    ):
        provision(running, kannel_gateway.url, at_gateway.url)
        running.start_web()
        kannel = f"{running.url}/c/kn/{KANNEL}/receive"
        at = f"{running.url}/c/at/{AFRICAS_TALKING}/receive"
        load.send(kannel, "kannel", texts // 10, run="warm")
        load.send(at, "africastalking", texts // 10, run="warm")
        web = running.processes["web"].pid
        figures["inbound_msgs_per_s"], figures["inbound_web_cpu_ms_per_text"] = measured(
            rounds, texts, web, lambda n: load.send(kannel, "kannel", texts, run=f"kn{n}")
        )
        figures["inbound_at_msgs_per_s"], _ = measured(
            rounds, texts, web, lambda n: load.send(at, "africastalking", texts, run=f"at{n}")
        )
        if huey_url:
            figures["inbound_routed_msgs_per_s"] = routed(running, huey_url, kannel, texts)
    kannel_gateway.close()
    at_gateway.close()
    return {
        name + suffix: round(value, 2 if "cpu" in name else 1) for name, value in figures.items()
    }


def routed(running: RunningHaki, huey_url: str, url: str, texts: int) -> float:
    """Texts per second taken in and routed (stored, keywords matched, replies queued)
    with the worker running beside the web server, as RapidSMS does all of that within
    the request. The texts of the webhook-only rounds are set aside first."""
    running.shell(SETTLE_BACKLOG)
    empty_queue(huey_url)
    running.start_worker(threads=8)
    wait_until(lambda: "consumer started" in running.log("worker").lower(), 60, what="the worker")
    database_url = running.env["HAKI_DATABASE_URL"]
    # Warmed up first, as the references are: the worker's first batches read the
    # organisation's settings and open its connections.
    for run, count in (("routed-warm", texts // 10), ("routed", texts)):
        before = unrouted(database_url)[1]
        started = time.perf_counter()
        load.send(url, "kannel", count, run=run)
        wait_until(
            lambda count=count, before=before: unrouted(database_url) == (0, before + count),
            600,
            interval=0.05,
            what="every text routed",
        )
    return texts / (time.perf_counter() - started)


def bare_floor(server: str, texts: int, rounds: int) -> dict[str, float]:
    with (
        tempfile.TemporaryDirectory() as folder,
        fresh_database(server, prefix="floor") as database_url,
    ):
        floor.create_schema(database_url)
        env = {"PATH": "/usr/bin:/bin", "FLOOR_DATABASE_URL": database_url}
        with Gunicorn(
            sys.executable,
            "bench.floor:application",
            ROOT,
            env,
            Path(folder) / "floor.log",
        ) as served:
            kannel, at = f"{served.url}/kn", f"{served.url}/at"
            load.send(kannel, "kannel", texts // 10, run="warm")
            load.send(at, "africastalking", texts // 10, run="warm")
            web = served.process.pid
            kn, cpu_ms = measured(
                rounds, texts, web, lambda n: load.send(kannel, "kannel", texts, run=f"kn{n}")
            )
            at_rate, _ = measured(
                rounds, texts, web, lambda n: load.send(at, "africastalking", texts, run=f"at{n}")
            )
            expected = 2 * (texts // 10) + 2 * rounds * texts
            assert floor.stored(database_url) == expected, "the floor lost texts"
    return {
        "inbound_floor_msgs_per_s": round(kn, 1),
        "inbound_floor_at_msgs_per_s": round(at_rate, 1),
        "inbound_floor_web_cpu_ms_per_text": round(cpu_ms, 2),
    }


def rapidsms(server: str, texts: int, rounds: int) -> dict[str, float]:
    gateway = StubGateway()
    with (
        tempfile.TemporaryDirectory() as folder,
        rapidsms_reference.running_rapidsms(
            server, f"{gateway.url}/cgi-bin/sendsms", Path(folder)
        ) as served,
    ):
        url = f"{served.url}{rapidsms_reference.RECEIVE_PATH}"
        load.send(url, "kannel-get", texts // 10, run="warm")
        rate, cpu_ms = measured(
            rounds,
            texts,
            served.process.pid,
            lambda n: load.send(url, "kannel-get", texts, run=f"kn{n}"),
        )
        replies = len(gateway.requests)
    gateway.close()
    expected = texts // 10 + rounds * texts
    assert replies == expected, f"RapidSMS answered {replies} of {expected} texts"
    return {
        "inbound_rapidsms_msgs_per_s": round(rate, 1),
        "inbound_rapidsms_web_cpu_ms_per_text": round(cpu_ms, 2),
    }
