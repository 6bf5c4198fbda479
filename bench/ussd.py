"""USSD answer time on this machine, with Haki running as in production (gunicorn and a
Huey worker, PostgreSQL, Redis): each request of whole menu sessions, from the form
post to the screen's last byte, as Africa's Talking waits for it.

Each session is a member's whole report (seven requests, the last one writing the case
to review) or a call for help (two requests, the second raising the alert and texting
the responders through the outbox).

    .venv/bin/python -m bench.ussd [--sessions 100] [--database sqlite|URL] [--redis URL]

Target (issue #21): p99 under 300 ms."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.crisis import percentile
from haki.messaging.tests.stub_gateway import StubGateway
from haki.tests.harness import RunningHaki

CHANNEL = "4b1f2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
REPORT = ["", "2", "2", "1", "2", "1", "1"]  # what, where, when, consent, send
HELP = ["", "1"]
DONE = """
import json
from haki.cases.models import Case
from haki.crisis.models import Alert
print(json.dumps({"cases": Case.objects.filter(status="to_review").count(),
                  "alerts": Alert.objects.filter(source="ussd").count()}))
"""


def organisation(send_url: str, members: int) -> str:
    people = "\n".join(
        f'  - {{alias: U{i}, phone: "+2541908{i:05d}", area: KSM-C, language: {lang}}}'
        for i, lang in zip(range(members), ["sw", "ru"] * members, strict=False)
    )
    return f"""
organisation: {{slug: bench-ussd, name: Bench USSD, country: KE, timezone: Africa/Nairobi,
               languages: [en, sw, ru], allow_local_gateways: true}}
areas:
  - {{code: KSM, name: Kisumu}}
  - {{code: KSM-C, name: Kisumu Central, parent: KSM}}
escalation: {{ack_timeout_seconds: 3600, tiers: [paralegal, lawyer, coordinator]}}
channels:
  - {{uuid: {CHANNEL}, type: at, name: USSD, address: "20444", send_url: "{send_url}",
     username: sandbox, api_key: at-key, tps: 1000}}
responders:
  - {{name: P1, phone: "+254190500001", tier: paralegal, areas: [KSM-C], on_duty: true}}
members:
{people}
"""


class Menu:
    """Africa's Talking's side: one keep-alive connection posting the session's forms."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.path = parts.path

    def ask(self, session: str, phone: str, text: str) -> tuple[float, str]:
        body = urlencode(
            {
                "sessionId": session,
                "serviceCode": "*384*21478#",
                "phoneNumber": phone,
                "networkCode": "63902",
                "text": text,
            }
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                self.connection.request("POST", self.path, body=body, headers=headers)
                answer = self.connection.getresponse()
                screen = answer.read().decode()
                break
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                self.connection.close()  # gunicorn closed an idle keep-alive connection
                if attempt == 2:
                    raise
        assert answer.status == 200 and screen[:4] in ("CON ", "END "), screen
        return (time.perf_counter() - started) * 1000, screen


def sessions(menu: Menu, first: int, count: int) -> dict[str, list[float]]:
    """Answer times of ``count`` sessions: odd ones report, even ones ask for help."""
    times: dict[str, list[float]] = {"screen": [], "act": []}
    for i in range(first, first + count):
        presses = REPORT if i % 2 else HELP
        for step in range(len(presses)):
            text = "*".join(presses[1 : step + 1])
            took, screen = menu.ask(f"ATUid_{i}", f"+2541908{i:05d}", text)
            times["act" if screen.startswith("END ") else "screen"].append(took)
        time.sleep(0.05)
    return times


def run(database: str, count: int, huey_url: str | None = None) -> dict[str, float]:
    gateway = StubGateway()
    queue = {"HAKI_HUEY_URL": huey_url} if huey_url else {}
    with (
        tempfile.TemporaryDirectory() as folder,
        RunningHaki(Path(folder), database, **queue) as haki,
    ):
        haki.provision(organisation(f"{gateway.url}/version1/messaging", count + 10))
        haki.start_web(workers=2)
        haki.start_worker(threads=4)
        menu = Menu(f"{haki.url}/c/at/{CHANNEL}/ussd")
        sessions(menu, count, 10)  # warm up
        measured = sessions(menu, 0, count)
        done = json.loads(haki.shell(DONE))
    expected = {"cases": (count + 10) // 2, "alerts": (count + 11) // 2}
    assert done == expected, f"the sessions did not all act: {done}, not {expected}"
    gateway.close()
    every = measured["screen"] + measured["act"]
    return {
        "ussd_answer_p50_ms": round(statistics.median(every), 1),
        "ussd_answer_p99_ms": round(percentile(every, 0.99), 1),
        "ussd_act_p99_ms": round(percentile(measured["act"], 0.99), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--redis", default=None, help="the task queue (default: SQLite)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haki.settings.test")
    figures = run(args.database, args.sessions, huey_url=args.redis)
    load = os.getloadavg()
    for name, value in figures.items():
        print(f"{name:<24}{value:>10}")
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    out = Path(__file__).with_name("results-ussd.json")
    out.write_text(json.dumps({"database": args.database, **figures}, indent=2) + "\n")


if __name__ == "__main__":
    main()
