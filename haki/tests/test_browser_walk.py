"""Every page of every role, opened in Chromium at phone width: none may scroll
sideways. The pages are those of test_access's ACCESS table, so a new page is walked
as soon as it is given its access rule."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from haki.cases.models import Case
from haki.core.models import Area
from haki.core.roles import Role
from haki.crisis import alerts
from haki.crisis.models import AlertRecipient
from haki.messaging.models import Msg
from haki.tests.browser import PHONE, phone_page, screenshot, sign_in
from haki.tests.test_access import ACCESS, url_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Files, not pages: the browser downloads them.
DOWNLOADS = {"cases:attachment", "partnership:letter_pdf"}
# Parts of a page, fetched by the page itself: walked inside it.
FRAGMENTS = {"crisis:board_alerts", "simulator:texts"}
SCREENSHOTS = {
    "crisis:board": "walk-board",
    "crisis:alert": "walk-alert",
    "cases:patterns": "walk-patterns",
}


def pages_of(role: str) -> list[str]:
    return sorted(
        name
        for name, (method, roles) in ACCESS.items()
        if method == "get" and role in roles and name not in DOWNLOADS | FRAGMENTS
    )


def busy(world) -> None:
    """Enough on each page to make it as wide as it gets: long words, a failing text,
    a taken alert, cases for the patterns."""
    a = world["a"]
    second, _ = alerts.raise_alert(a.org, area=a.central, words="a long description " * 8)
    alerts.acknowledge(second, responder=a.responder)
    # A responder covering several areas, as a district coordinator does.
    wards = [
        Area.objects.create(
            organisation=a.org, code=f"CEN-WARD-{n}", name=f"Ward {n}", parent=a.central
        )
        for n in range(1, 5)
    ]
    a.responder.areas.add(*wards)
    for case in Case.objects.filter(organisation=a.org):
        case.unit = "Central Police Station, Traffic and Public Order Division"
        case.save()
    Msg.objects.filter(organisation=a.org, direction="out").update(
        status="failed", error="gateway refused: 503 Service Unavailable " * 3
    )
    # The open alert's text, failing and being retried: the board says so.
    text = Msg(organisation=a.org, channel=a.channel, direction="out", status="queued")
    text.phone, text.text, text.error = a.responder.phone, "K7Q2", "gateway unreachable"
    text.save()
    AlertRecipient.objects.create(alert=a.alert, responder=a.responder, tier="paralegal", msg=text)


@pytest.mark.parametrize("role", Role.values)
def test_every_page_of_every_role_fits_a_phone_screen(world, live_server, role):
    busy(world)
    too_wide = {}
    with phone_page() as page:
        sign_in(page, live_server, world["a"].users[role], start="core:home")
        for name in pages_of(role):
            page.goto(f"{live_server.url}{url_for(name, world, 'a')}")
            page.wait_for_load_state("networkidle")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide[name] = width
            if name in SCREENSHOTS and role == Role.COORDINATOR:
                screenshot(page, SCREENSHOTS[name])
    assert not too_wide, f"pages wider than a {PHONE['width']} px phone for {role}: {too_wide}"


def test_pressing_go_on_the_phone_keyboard_submits_the_sign_in_code(world, live_server):
    user = world["a"].users[Role.CASEWORKER]
    device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    with phone_page() as page:
        page.goto(f"{live_server.url}{reverse('core:home')}")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill("x" * 16)
        page.get_by_label("Password").press("Enter")
        code = page.get_by_label("Token")
        code.fill(f"{totp(device.bin_key, step=device.step, t0=device.t0):06d}")
        code.press("Enter")
        page.wait_for_url(f"{live_server.url}{reverse('core:home')}")
        assert page.get_by_role("heading", name="org-a network").is_visible()
