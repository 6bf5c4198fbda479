"""Broadcasts with Haki running for real: 10,000 members each texted exactly once at
the channel's rate, and a coordinator watching the progress bar fill on a phone."""

from __future__ import annotations

from collections import Counter

import pytest

from haki.messaging.tests.stub_gateway import StubGateway
from haki.tests.browser import phone_page, screenshot
from haki.tests.harness import RunningHaki, wait_until

MEMBERS = """
from django.db import transaction
from haki.core.models import Organisation
from haki.members.models import Member
org = Organisation.objects.get(slug="kisumu-demo")
area = org.areas.get(code="KSM-C")
ring = org.keyring
rows = []
for i in range({count}):
    phone = "+2541909%05d" % i
    rows.append(Member(organisation=org, alias="m%d" % i, area=area, language="en",
                       phone_sealed=ring.seal(phone), phone_index=ring.index(phone)))
Member.objects.bulk_create(rows, batch_size=1000)
channel = org.channels.get()
channel.type = "kn"  # the demo's phone simulator becomes a gateway: the stub
channel.configure({{"send_url": "{send_url}", "username": "haki", "password": "change-me"}})
channel.tps = {tps}
channel.save()
"""
BROADCAST = """
from haki.core.models import Organisation
from haki.surveys.models import Broadcast
from haki.surveys.sending import send_broadcast
org = Organisation.objects.get(slug="kisumu-demo")
broadcast = Broadcast.objects.create(organisation=org, text={"en": "Clinic open Saturday"})
print(send_broadcast(broadcast))
"""


def demo_with_members(haki: RunningHaki, gateway: StubGateway, count: int, tps: int) -> None:
    haki.haki("demo")
    haki.shell(MEMBERS.format(count=count, send_url=f"{gateway.url}/cgi-bin/sendsms", tps=tps))


@pytest.mark.slow
def test_a_broadcast_to_10000_members_sends_each_exactly_once_at_the_channels_rate(tmp_path):
    gateway = StubGateway()
    with RunningHaki(tmp_path, HAKI_DEV_SECRETS_DIR=str(tmp_path / "keys")) as haki:
        demo_with_members(haki, gateway, 10_000, tps=400)
        assert haki.shell(BROADCAST).strip() == "10003"  # and the demo's own three members
        haki.start_worker(threads=4)
        haki.start_worker("second-worker", threads=4)
        wait_until(
            lambda: len(gateway.requests) >= 10_003,
            300,
            interval=0.5,
            what="10,003 texts at the gateway",
        )
        wait_until(lambda: haki.shell(UNSENT).strip() == "0", 60, what="every row marked sent")
        counts = Counter(r.query["to"][0] for r in gateway.requests)
        assert len(counts) == 10_003 and set(counts.values()) == {1}
        times = sorted(r.at for r in gateway.requests)
        assert times[-1] - times[0] >= 10_002 / 400 * 0.99
    gateway.close()


UNSENT = """
from haki.messaging.models import Msg
print(Msg.objects.filter(template="broadcast").exclude(status__in=["wired", "sent"]).count())
"""


@pytest.mark.browser
def test_the_progress_bar_advances_while_a_broadcast_goes_out(tmp_path):
    gateway = StubGateway()
    with RunningHaki(tmp_path, HAKI_DEV_SECRETS_DIR=str(tmp_path / "keys")) as haki:
        demo_with_members(haki, gateway, 297, tps=25)
        haki.start_web()
        haki.start_worker(threads=4)
        with phone_page() as page:
            page.goto(f"{haki.url}/pulse/broadcasts/")
            page.get_by_label("Username").fill("coordinator")
            page.get_by_label("Password").fill("demo-pass-2026")
            page.get_by_role("button", name="Next").click()
            page.get_by_label("Token").fill(haki.haki("demo_code", "coordinator").strip())
            page.get_by_role("button", name="Next").click()
            page.get_by_label("Text (en)").fill("The drop-in centre opens at 9 on Saturday.")
            page.get_by_role("button", name="Send to members").click()
            bar = page.locator("progress")
            bar.wait_for()
            page.evaluate("window.sameDocument = true")
            assert bar.get_attribute("max") == "300"
            seen: set[int] = set()
            for _ in range(30):  # read the bar as a person would, once a second
                seen.add(int(bar.get_attribute("value")))
                if len({value for value in seen if 0 < value < 300}) >= 2:
                    break
                page.wait_for_timeout(1000)
            partway = sorted(value for value in seen if 0 < value < 300)
            assert len(partway) >= 2, f"the bar did not advance: {sorted(seen)}"
            screenshot(page, "broadcast-progress-phone")
            wait_until(
                lambda: bar.get_attribute("value") == "300",
                30,
                interval=0.5,
                what="the bar to fill",
            )
            assert page.evaluate("window.sameDocument === true")
            assert page.locator("[data-count=failed]").inner_text() == "0"
    assert len(gateway.requests) == 300
    gateway.close()
