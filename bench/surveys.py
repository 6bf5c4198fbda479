"""The network pulse at scale on this machine.

- How long 100,000 recipients of a broadcast take to be queued (target: under 20 s).
- How many poll answers per second the webhook and worker take in.

    .venv/bin/python -m bench.surveys [--recipients 100000] [--answers 2000] [--database URL]"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.crisis import Webhook
from haki.messaging.tests.stub_gateway import StubGateway
from haki.tests.harness import RunningHaki, wait_until

SETUP = """
from haki.core.models import Area, Organisation
from haki.members.models import Member
from haki.surveys.models import Poll
org = Organisation.objects.get(slug="kisumu-demo")
broadcast_area = org.areas.get(code="KSM-C")
answer_area = Area.objects.create(organisation=org, code="BENCH", name="Bench",
                                  parent=broadcast_area.parent)
ring = org.keyring
rows = []
for i in range({count}):
    phone = "+2541909%06d" % i
    rows.append(Member(organisation=org, alias="m%d" % i, area=broadcast_area, language="en",
                       phone_sealed=ring.seal(phone), phone_index=ring.index(phone)))
for i in range({answers}):
    phone = "+2541908%06d" % i
    rows.append(Member(organisation=org, alias="a%d" % i, area=answer_area, language="sw",
                       phone_sealed=ring.seal(phone), phone_index=ring.index(phone)))
Member.objects.bulk_create(rows, batch_size=2000)
poll = Poll.objects.create(organisation=org, name="bench-answers", question={{"sw": "Sawa?"}})
poll.areas.set([answer_area])
channel = org.channels.get()
channel.type = "kn"  # the demo's phone simulator becomes a gateway: the stub
channel.configure({{"send_url": "{send_url}", "username": "haki", "password": "change-me"}})
channel.tps = 1000
channel.save()
"""
QUEUE_BROADCAST = """
import time
from haki.core.models import Organisation
from haki.surveys.models import Broadcast
from haki.surveys.sending import send_broadcast
org = Organisation.objects.get(slug="kisumu-demo")
started = time.perf_counter()
broadcast = Broadcast.objects.create(organisation=org, text={"en": "Clinic open Saturday"})
count = send_broadcast(broadcast)
print(count, time.perf_counter() - started)
"""
# The texts themselves are not what is measured here: mark them sent.
SEND_POLL_AND_SETTLE = """
from haki.messaging.models import Msg
from haki.surveys.models import Poll
from haki.surveys.sending import send_poll
send_poll(Poll.objects.get(name="bench-answers"))
Msg.objects.filter(status="queued").update(status="sent")
"""
ANSWERS = """
from haki.surveys.models import Reply
print(Reply.objects.filter(poll_send__poll__name="bench-answers").count())
"""


def run(
    database: str, recipients: int, answers: int, huey_url: str | None = None
) -> dict[str, float]:
    gateway = StubGateway()
    queue = {"HAKI_HUEY_URL": huey_url} if huey_url else {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder)
        with RunningHaki(path, database, HAKI_DEV_SECRETS_DIR=str(path / "keys"), **queue) as haki:
            haki.haki("demo")
            haki.shell(
                SETUP.format(
                    count=recipients, answers=answers, send_url=f"{gateway.url}/cgi-bin/sendsms"
                )
            )
            queued, seconds = haki.shell(QUEUE_BROADCAST).split()
            assert int(queued) >= recipients
            haki.shell(SEND_POLL_AND_SETTLE)
            haki.start_web(workers=2)
            haki.start_worker(threads=8)
            webhook = Webhook(f"{haki.url}/c/kn/8f0c2a4e-1d7b-4c1e-9a57-2b7f3c6d9e10/receive")
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=16) as pool:
                list(pool.map(lambda i: webhook.post(f"+2541908{i:06d}", "Ndiyo!"), range(answers)))
            wait_until(
                lambda: int(haki.shell(ANSWERS)) >= answers,
                600,
                interval=0.5,
                what="every answer recorded",
            )
            per_second = answers / (time.perf_counter() - started)
    gateway.close()
    return {
        "broadcast_100k_queue_s": round(float(seconds), 2),
        "queued": int(queued),
        "poll_answers_per_s": round(per_second, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--answers", type=int, default=2000)
    parser.add_argument("--database", default="sqlite")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haki.settings.test")
    figures = run(args.database, args.recipients, args.answers)
    print(f"{'figure':<28}{'measured':>12}{'target':>10}")
    print(f"{'broadcast queueing (s)':<28}{figures['broadcast_100k_queue_s']:>12}{'< 20':>10}")
    print(f"{'  recipients queued':<28}{figures['queued']:>12}")
    print(f"{'poll answers per second':<28}{figures['poll_answers_per_s']:>12}")
    Path(__file__).with_name("results-surveys.json").write_text(
        json.dumps({"database": args.database, **figures}, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
