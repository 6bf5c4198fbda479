"""Instructions per incoming text, counted by valgrind's callgrind. Unlike texts per
second, the count hardly moves with whatever else the machine is doing, so it shows
what a change to the webhook costs or saves even on a busy machine.

Haki's webhook (``haki.wsgi``, as gunicorn runs it) and the floor each run in a single
process without a web server, fed the load generator's own Kannel requests; routing
(``route``) is counted the same way: texts stored as the webhook stores them, then each
one's prompt run in line as a worker runs it (the queue's own work left out). The
figure is the count for LONG texts minus the count for SHORT texts, over LONG - SHORT:
start-up and warming up cancel out. It leaves out the web server's own work, which
both pay alike, and the database's and Redis's, which run in their own processes.

    .venv/bin/python -m bench.instructions     # also part of `make bench` (inbound)

Needs valgrind (Debian's package `valgrind`)."""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import floor, load, postgres, queues
from bench.inbound import KANNEL, provision
from haki.tests.harness import ROOT, RunningHaki, fresh_database

SHORT, LONG = 100, 500
COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def environ(path: str, i: int, run: str) -> dict[str, object]:
    """The WSGI environ of Kannel's post of text ``i``, as gunicorn would pass it."""
    body = load.TEXT.encode()
    return {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": load.kannel_query(i, run),
        "CONTENT_TYPE": load.KANNEL_CONTENT_TYPE,
        "CONTENT_LENGTH": str(len(body)),
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
    }


def feed(application: str, texts: int, run: str) -> None:
    """Inside valgrind: post ``texts`` Kannel texts straight to the application, or
    (``route``) store them as the webhook does and route them as the worker does."""
    if application == "route":
        return feed_router(texts, run)
    if application == "haki":
        from haki.wsgi import application as app

        path = f"/c/kn/{KANNEL}/receive"
    else:
        from bench.floor import application as app

        path = "/kn"

    def start_response(status: str, headers: list) -> None:
        if not status.startswith("200"):
            raise RuntimeError(f"the {application} answered {status}")

    for i in range(texts):
        answer = app(environ(path, i, run), start_response)
        b"".join(answer)
        getattr(answer, "close", lambda: None)()


def feed_router(texts: int, run: str) -> None:
    """Store ``texts`` texts of 5,000 senders, then run each one's routing prompt in
    line, as a worker takes them from the queue: what routing costs, without the queue."""
    import django

    django.setup()
    from django.utils import timezone

    from haki.messaging import tasks
    from haki.messaging.models import Channel, Msg

    channel = Channel.objects.select_related("organisation").get(uuid=KANNEL)
    # The texts of an earlier count are not this one's.
    Msg.objects.filter(status=Msg.Status.RECEIVED).update(status=Msg.Status.HANDLED)
    stored = [
        Msg.objects.store_received(channel, f"{run}-{i}", load.sender(i), load.TEXT, timezone.now())
        for i in range(texts)
    ]
    for msg_id in stored:
        tasks.route_msg.call_local(msg_id)


def count(application: str, texts: int, env: dict[str, str], run: str) -> int:
    """Instructions of a whole process feeding ``texts`` texts to ``application``."""
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-m",
            "bench.instructions",
            "--feed",
            application,
            "--texts",
            str(texts),
            "--run",
            run,
        ],
        cwd=ROOT,
        env={**env, "PYTHONHASHSEED": "0"},  # the same dictionaries and sets every run
        capture_output=True,
        text=True,
        check=False,
    )
    found = COLLECTED.search(done.stderr)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"valgrind run of the {application} failed:\n{done.stderr[-2000:]}")
    return int(found[1])


def per_text(application: str, env: dict[str, str]) -> float:
    short = count(application, SHORT, env, run="short")
    long = count(application, LONG, env, run="long")
    return (long - short) / (LONG - SHORT)


def measure(server: str, redis: str) -> dict[str, float]:
    """Both counts, in millions of instructions per text; {} without valgrind."""
    if shutil.which("valgrind") is None:
        print("instructions: not measured (valgrind is not installed)", file=sys.stderr)
        return {}
    with tempfile.TemporaryDirectory() as folder:
        with fresh_database(server, prefix="floor") as database_url:
            floor.create_schema(database_url)
            env = {"PATH": os.environ["PATH"], "FLOOR_DATABASE_URL": database_url}
            floor_count = per_text("floor", env)
        with RunningHaki(Path(folder), server, HAKI_HUEY_URL=redis) as running:
            provision(running, "http://127.0.0.1:9", "http://127.0.0.1:9")  # sends nothing
            haki_count = per_text("haki", running.env)
        routing = Path(folder) / "routing"
        routing.mkdir()
        with RunningHaki(routing, server, HAKI_HUEY_URL=redis) as running:  # a database of its own
            provision(running, "http://127.0.0.1:9", "http://127.0.0.1:9")
            route_count = per_text("route", running.env)
    return {
        "inbound_instructions_m_per_text": round(haki_count / 1e6, 2),
        "routing_instructions_m_per_text": round(route_count / 1e6, 2),
        "inbound_floor_instructions_m_per_text": round(floor_count / 1e6, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feed", choices=["haki", "floor", "route"], help=argparse.SUPPRESS)
    parser.add_argument("--texts", type=int, default=LONG, help=argparse.SUPPRESS)
    parser.add_argument("--run", default="i", help=argparse.SUPPRESS)
    parser.add_argument("--postgres", default=postgres.DEFAULT_SERVER)
    parser.add_argument("--redis", default=queues.DEFAULT_URL)
    args = parser.parse_args()
    if args.feed:
        feed(args.feed, args.texts, args.run)
        return
    for name, value in measure(args.postgres, args.redis).items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
