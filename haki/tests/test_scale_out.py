"""Haki scaled out as in production: PostgreSQL, Huey on Redis, a web server and two
worker processes of which exactly one runs the scheduler. Every text reaches the
gateway once, every passed deadline is escalated once, and a worker killed mid-run
loses nothing. The tests share one installation; each has its own organisation,
gateway and pair of workers."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from urllib.parse import quote

import pytest

from haki.messaging.tests.stub_gateway import StubGateway
from haki.tests.harness import RunningHaki, queue_notices, wait_until
from haki.tests.services import huey_name, postgres_url, redis_url, require_postgres_and_redis

pytestmark = pytest.mark.scale_out

PARALEGAL, LAWYER = "+254190300001", "+254190300002"
ORGANISATION = """
organisation: {{slug: {slug}, name: Scale Test Network, country: KE,
               timezone: Africa/Nairobi, languages: [en, sw],
               allow_local_gateways: true}}
areas: [{{code: KSM, name: Kisumu}}]
escalation: {{ack_timeout_seconds: 600, tiers: [paralegal, lawyer, coordinator]}}
channels:
  - {{uuid: {channel}, type: kn, name: Shortcode, address: "20777",
     send_url: "{send_url}", username: haki, password: kannel-pw, tps: 1000}}
responders:
  - {{name: Zuri, phone: "{paralegal}", tier: paralegal, areas: [KSM], on_duty: true}}
  - {{name: Imani, phone: "{lawyer}", tier: lawyer, areas: [KSM], on_duty: true}}
polls:
  - {{name: pulse, question: {{en: "Stopped this week? YES or NO"}}}}
members:
{members}
"""

# Alerts for the first COUNT members, their deadlines FIRST seconds away. Every later
# deadline lies a day away (set in the same transaction, so no escalation can see the
# short one), so a second escalation during a test can only be a repeat. Provisioning's
# floor of 30 s is for people; the test need not wait that long.
RAISE = """
from django.db import transaction
from haki.core.models import Organisation
from haki.crisis.alerts import raise_alert
from haki.crisis.tasks import sweep_deadlines
from haki.members.models import Member
org = Organisation.objects.get(slug="{slug}")
with transaction.atomic():
    org.ack_timeout_seconds = {first}
    org.save(update_fields=["ack_timeout_seconds"])
    for member in Member.objects.filter(organisation=org).order_by("pk")[:{count}]:
        raise_alert(org, member=member, words="at the station")
    Organisation.objects.filter(pk=org.pk).update(ack_timeout_seconds=86400)
for i in range({sweeps}):
    sweep_deadlines.schedule(delay={first} + i * 0.4)
"""

# Per alert: how many escalations it counts, and the tier of each escalated event; and
# the statuses of all outgoing texts.
OUTCOME = """
import json
from collections import Counter
from haki.crisis.models import Alert
from haki.messaging.models import Msg
alerts = Alert.objects.filter(organisation__slug="{slug}").prefetch_related("events")
print(json.dumps({{
    "alerts": {{a.reference: [a.escalations, [e.tier for e in a.events.all()
                                             if e.kind == "escalated"]] for a in alerts}},
    "statuses": Counter(Msg.objects.filter(organisation__slug="{slug}", direction="out")
                        .values_list("status", flat=True)),
}}))
"""


def members(count: int) -> str:
    return "\n".join(
        f'  - {{alias: M{i:03d}, phone: "+2541931{i:05d}", area: KSM}}' for i in range(count)
    )


@pytest.fixture(scope="module")
def installation(tmp_path_factory) -> Iterator[RunningHaki]:
    require_postgres_and_redis()
    folder = tmp_path_factory.mktemp("scale-out")
    with (
        huey_name() as name,
        RunningHaki(
            folder,
            database=postgres_url(),
            HAKI_HUEY_URL=redis_url(),
            HAKI_HUEY_NAME=name,
            HAKI_SEND_LEASE_SECONDS="3",
        ) as haki,
    ):
        haki.haki("migrate", "--no-input")
        haki.start_web()  # delivery reports come back through it
        yield haki


def channel_of(slug: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"haki-test/{slug}")


@contextmanager
def organisation(
    haki: RunningHaki, slug: str, gateway: StubGateway, member_count: int
) -> Iterator[Callable[[str], RunningHaki]]:
    """Provision an organisation sending through ``gateway``; yields a function that
    starts this test's worker of a role, "scheduler" or "worker", stopped at the end."""
    spec = haki.folder / f"{slug}.yaml"
    spec.write_text(
        ORGANISATION.format(
            slug=slug,
            channel=channel_of(slug),
            send_url=f"{gateway.url}/cgi-bin/sendsms",
            paralegal=PARALEGAL,
            lawyer=LAWYER,
            members=members(member_count),
        )
    )
    haki.haki("provision", str(spec))
    started: list[str] = []

    def start(role: str) -> RunningHaki:
        started.append(f"{slug}-{role}")
        haki.start_worker(started[-1], threads=4, scheduler=role == "scheduler")
        return haki

    try:
        yield start
    finally:
        for name in started:
            if name in haki.processes:
                haki.kill(name)
        gateway.close()


def sent(gateway: StubGateway) -> Counter[tuple[str, str]]:
    return Counter((r.query["to"][0], r.query["text"][0]) for r in gateway.requests)


def texts_to(gateway: StubGateway, number: str) -> list[str]:
    return [r.query["text"][0] for r in gateway.requests if r.query["to"][0] == number]


def outcome(haki: RunningHaki, slug: str) -> dict:
    return json.loads(haki.shell(OUTCOME.format(slug=slug)))


def tasks_run(haki: RunningHaki, worker: str, task: str) -> int:
    return haki.log(worker).count(f"Executing haki.messaging.tasks.{task}")


def text_in(haki: RunningHaki, slug: str, sender: str, text: str, gateway_id: str) -> int:
    """A text posted as Kannel posts it to the organisation's channel; the answer's status."""
    url = f"{haki.url}/c/kn/{channel_of(slug)}/receive"
    query = (
        f"backend=fake&sender={quote(sender)}&message={quote(text)}&ts=1795263728"
        f"&id={gateway_id}&to=20777"
    )
    request = urllib.request.Request(
        f"{url}?{query}", data=text.encode(), headers={"Content-Type": "text/plain"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.status


def test_a_burst_of_400_texts_reaches_the_gateway_once_each_through_two_workers(installation):
    haki, gateway = installation, StubGateway()
    with organisation(haki, "burst", gateway, member_count=200) as start:
        start("scheduler")
        start("worker")
        haki.shell(queue_notices("burst", 200))  # one prompt per text
        poll = haki.haki("poll", "send", "--org", "burst", "pulse")  # a few drains share these
        assert "queued for 200 members" in poll
        wait_until(lambda: len(gateway.requests) >= 400, 90, what="400 texts at the gateway")
        time.sleep(1)  # any repeat would show by now
        counts = sent(gateway)
        assert set(counts.values()) == {1}, [text for text, n in counts.items() if n > 1]
        assert {text for _, text in counts} >= {f"notice {i}" for i in range(200)}
        polled = {to for to, text in counts if text == "Stopped this week? YES or NO"}
        assert polled == {f"+2541931{i:05d}" for i in range(200)}
        assert outcome(haki, "burst")["statuses"] == {"wired": 400}
        for worker in ("burst-scheduler", "burst-worker"):  # both took part, or this proves little
            assert tasks_run(haki, worker, "send_msg") + tasks_run(haki, worker, "drain") > 0
        assert "Periodic tasks are enabled" in haki.log("burst-scheduler")
        assert "Periodic tasks are disabled" in haki.log("burst-worker")


def test_deadlines_passing_while_two_workers_run_are_each_escalated_once(installation):
    haki, gateway = installation, StubGateway()
    with organisation(haki, "deadlines", gateway, member_count=40) as start:
        start("scheduler")
        start("worker")
        # Each deadline is also prompted by four sweeps besides its own task, as a sweep
        # and a restarted worker's catch-up may prompt it in production.
        haki.shell(RAISE.format(slug="deadlines", count=40, first=4, sweeps=4))
        wait_until(
            lambda: len(texts_to(gateway, LAWYER)) >= 40, 60, what="the lawyer texted 40 times"
        )
        time.sleep(2)  # any repeat would show by now
        alerts = outcome(haki, "deadlines")["alerts"]
        assert len(alerts) == 40
        assert all(count == 1 and tiers == ["lawyer"] for count, tiers in alerts.values()), alerts
        to_lawyer = texts_to(gateway, LAWYER)
        assert len(to_lawyer) == 40
        assert {text.split(":")[0] for text in to_lawyer} == set(alerts)  # each alert once
        assert len(texts_to(gateway, PARALEGAL)) == 40


def test_a_worker_killed_mid_run_loses_nothing_and_repeats_nothing(installation):
    haki = installation
    gateway = StubGateway(delivery_reports=True)  # as Kannel: reports arrive at once
    with organisation(haki, "killed", gateway, member_count=20) as start:
        start("scheduler")
        start("worker")
        haki.shell(
            RAISE.format(slug="killed", count=20, first=8, sweeps=0) + queue_notices("killed", 300)
        )
        wait_until(lambda: len(gateway.requests) >= 120, 60, what="the burst under way")
        haki.kill("killed-scheduler")  # mid-burst, and before any deadline has passed
        assert len(gateway.requests) < 340, "the burst ended before the kill"
        assert texts_to(gateway, LAWYER) == [], "a deadline passed before the kill"
        # The survivor sends on and escalates every alert: escalations are scheduled
        # tasks, which every worker runs, not the scheduler's periodic ones.
        wait_until(
            lambda: len(texts_to(gateway, LAWYER)) >= 20, 60, what="the survivor to escalate"
        )
        assert haki.processes["killed-worker"].poll() is None
        start("scheduler")  # as systemd restarts it
        expected = {f"notice {i}" for i in range(300)}
        wait_until(
            lambda: expected <= {text for _, text in sent(gateway)}, 60, what="all 300 notices"
        )
        time.sleep(4)  # a lease more: any repeat would show by now
        counts = sent(gateway)
        assert set(counts.values()) == {1}, [text for text, n in counts.items() if n > 1]
        assert len(counts) == 300 + 20 + 20 + 20  # notices, paralegal, members, lawyer
        found = outcome(haki, "killed")
        alerts = found["alerts"]
        assert all(count == 1 and tiers == ["lawyer"] for count, tiers in alerts.values()), alerts
        assert sum(found["statuses"].values()) == 360
        assert set(found["statuses"]) <= {"wired", "sent"}, found["statuses"]


def test_two_calls_for_help_from_one_member_at_once_open_one_alert(installation):
    haki, gateway = installation, StubGateway()
    with organisation(haki, "twice", gateway, member_count=10) as start:
        start("scheduler")
        start("worker")

        def call_for_help(i: int) -> int:
            return text_in(haki, "twice", f"+2541931{i // 2:05d}", "HELP", f"twice-{i}")

        # Each member's two texts arrive together, as when a phone sends twice in panic.
        with ThreadPoolExecutor(max_workers=20) as pool:
            assert set(pool.map(call_for_help, range(20))) == {200}
        wait_until(
            lambda: haki.shell(UNROUTED.format(slug="twice")).strip() == "0",
            60,
            what="both texts of every member routed",
        )
        alerts = outcome(haki, "twice")["alerts"]
        assert len(alerts) == 10, alerts
        time.sleep(1)  # every text the alerts queued has gone out
        assert len(texts_to(gateway, PARALEGAL)) == 10
        confirmed = Counter(to for to, text in sent(gateway) if text.startswith("Received."))
        assert set(confirmed.values()) == {1} and len(confirmed) == 10


UNROUTED = """
from haki.messaging.models import Msg
print(Msg.objects.filter(organisation__slug="{slug}", direction="in", status="received").count())
"""


def test_a_burst_of_texts_is_routed_by_fewer_prompts_with_none_left_for_the_sweep(installation):
    haki, gateway = installation, StubGateway()
    with organisation(haki, "prompts", gateway, member_count=10) as start:
        start("worker")  # no scheduler: no sweep routes what a prompt would have missed

        def hello(i: int) -> int:
            return text_in(haki, "prompts", f"+2541931{i % 10:05d}", "hello", f"p-{i}")

        with ThreadPoolExecutor(max_workers=16) as pool:
            assert set(pool.map(hello, range(300))) == {200}
        wait_until(
            lambda: haki.shell(UNROUTED.format(slug="prompts")).strip() == "0",
            30,
            what="every text routed by a prompt",
        )
        time.sleep(3)  # the prompts still queued have run by now
        prompts = tasks_run(haki, "prompts-worker", "route_msg")
        assert 0 < prompts <= 150, prompts  # a prompt per text would be 300
