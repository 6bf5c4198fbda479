import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from haki.core.roles import Role
from haki.tests.browser import phone_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_signs_in_with_an_authenticator_code_on_a_phone(world, live_server):
    user = world["a"].users[Role.COORDINATOR]
    device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    with phone_page() as page:
        page.goto(f"{live_server.url}/")
        assert "/account/login/" in page.url
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill("x" * 16)
        screenshot(page, "login-phone")
        page.get_by_role("button", name="Next").click()
        code = totp(device.bin_key, step=device.step, t0=device.t0)
        page.get_by_label("Token").fill(f"{code:06d}")
        page.get_by_role("button", name="Next").click()
        page.wait_for_url(f"{live_server.url}/")
        assert page.get_by_role("heading", name="org-a network").is_visible()
        assert page.get_by_text("responders on duty").is_visible()
        nav = page.get_by_role("navigation", name="Main")
        assert nav.get_by_role("link", name="Members").is_visible()
        assert page.get_by_role("link", name="Audit trail").count() == 0  # owners only
        path = screenshot(page, "home-phone")
        assert path.stat().st_size > 10_000
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, "the home page must fit a phone screen without sideways scrolling"
