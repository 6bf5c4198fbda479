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


def test_removing_an_authenticator_on_a_phone_takes_a_code_and_the_owner_sees_it(
    world, live_server
):
    from haki.tests.browser import sign_in

    user = world["a"].users[Role.COORDINATOR]
    with phone_page() as page:
        sign_in(page, live_server, user, start="core:home")
        device = TOTPDevice.objects.get(user=user)
        page.goto(f"{live_server.url}/account/two_factor/disable/")
        page.get_by_label("Password").fill("x" * 16)
        # The sign-in used this time step's code; each code is accepted once.
        next_code = totp(device.bin_key, step=device.step, t0=device.t0 - device.step)
        page.get_by_label("Code from your authenticator app").fill(f"{next_code:06d}")
        screenshot(page, "remove-authenticator-phone")
        page.get_by_role("button", name="Remove").click()
        page.wait_for_url(f"{live_server.url}/account/two_factor/setup/")
        assert not TOTPDevice.objects.filter(user=user).exists()
        page.get_by_role("button", name="Sign out").click()
        sign_in(page, live_server, world["a"].users[Role.OWNER], start="core:home")
        notice = page.get_by_role("heading", name="Authenticators removed")
        assert notice.is_visible()
        assert page.get_by_text(f"Removed by {user.username} on").is_visible()
        screenshot(page, "owner-notice-phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
