"""A newcomer's first minutes with `make run`: raise a HELP as a member, take it as a
paralegal, close it, all on the phone simulator at 360 px."""

from __future__ import annotations

from importlib import resources

import pytest
from django.contrib.auth import get_user_model

from haki import provisioning
from haki.crisis.models import Alert
from haki.tests.browser import PHONE, phone_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO = (resources.files("haki.demo") / "kisumu-demo.yaml").read_text()


def send(page, text: str) -> None:
    page.get_by_label("Text").fill(text)
    page.get_by_role("button", name="Send").click()


def open_phone(page, name: str) -> None:
    page.get_by_role("link", name="Other phones").click()
    page.get_by_role("link", name=name, exact=True).click()


def test_a_newcomer_raises_takes_and_closes_an_alert_on_the_simulator(live_server):
    org, _ = provisioning.apply(provisioning.load(DEMO))
    coordinator = get_user_model().objects.get(username="coordinator")
    coordinator.set_password("x" * 16)
    coordinator.save()
    with phone_page() as page:
        sign_in(page, live_server, coordinator, start="simulator:phones")
        page.get_by_role("link", name="Rose").click()
        send(page, "HELP at the market")
        texts = page.locator("#texts")
        texts.get_by_text("HELP at the market").wait_for()
        texts.locator(".to-phone").first.wait_for()  # Haki's answer, live
        alert = Alert.objects.get(organisation=org)

        open_phone(page, "Demo Paralegal Amani")
        texts.get_by_text(alert.reference).first.wait_for()
        screenshot(page, "simulator-paralegal-alerted")
        send(page, f"ACK {alert.reference}")
        open_phone(page, "Rose")
        page.locator("#texts .to-phone").nth(1).wait_for()  # told that help is coming
        screenshot(page, "simulator-member-told")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]

        open_phone(page, "Demo Paralegal Amani")
        send(page, f"DONE {alert.reference} released")
        page.wait_for_function(
            "document.querySelectorAll('#texts .to-phone').length >= 3", timeout=10_000
        )
    alert.refresh_from_db()
    assert alert.status == "closed"
