"""Staff management on a 360 px phone: an invitation taken up, and a seized phone's
session ended from another browser."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from haki.core.roles import Role
from haki.tests.browser import PHONE, phone_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def second_phone(page):
    """Another browser, sharing nothing with the first (its own cookies)."""
    context = page.context.browser.new_context(viewport=PHONE, is_mobile=True, locale="en")
    return context.new_page()


def next_code(user) -> str:
    """The authenticator's next code: the current one was used to sign in, and each code
    is accepted once."""
    device = TOTPDevice.objects.get(user=user, name="default")
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, drift=1):06d}"


def fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways ({width}px)"


def test_a_coordinator_invites_a_caseworker_who_signs_in_with_the_invitation(world, live_server):
    coordinator = world["a"].users[Role.COORDINATOR]
    with phone_page() as page:
        sign_in(page, live_server, coordinator, start="core:staff")
        page.get_by_role("link", name="Invite someone").click()
        page.get_by_label("Username").fill("new-caseworker")
        page.get_by_label("Role").select_option(label="Caseworker")
        fits(page)
        page.get_by_role("button", name="Create the invitation").click()
        link = page.get_by_label("Link").input_value()
        assert "/account/invitation/?t=" in link
        screenshot(page, "staff-invitation-link")
        fits(page)

        invitee = second_phone(page)
        invitee.goto(link)
        assert invitee.get_by_text("new-caseworker").is_visible()
        invitee.get_by_label("New password:", exact=True).fill("a-long-new-password-2026")
        invitee.get_by_label("New password confirmation").fill("a-long-new-password-2026")
        fits(invitee)
        invitee.get_by_role("button", name="Set the password").click()
        invitee.get_by_role("button", name="Next").click()  # the authenticator's welcome
        secret = invitee.locator("code").inner_text()
        from base64 import b32decode

        key = b32decode(secret + "=" * (-len(secret) % 8))
        invitee.get_by_label("Token").fill(f"{totp(key):06d}")
        screenshot(invitee, "staff-invitation-enrol")
        invitee.get_by_role("button", name="Next").click()
        invitee.get_by_role("link", name="Continue").click()
        invitee.wait_for_url(f"{live_server.url}/")
        main_menu = invitee.get_by_role("navigation", name="Main")
        assert main_menu.get_by_role("link", name="Members").is_visible()
        assert invitee.get_by_role("link", name="Staff").count() == 0  # caseworkers do not manage
        invitee.goto(link)  # the link worked once
        assert invitee.get_by_text("expired or was already used").is_visible()


def test_ending_a_users_sessions_signs_out_the_other_browser_at_its_next_click(world, live_server):
    coordinator, caseworker = world["a"].users[Role.COORDINATOR], world["a"].users[Role.CASEWORKER]
    with phone_page() as page:
        seized = second_phone(page)
        sign_in(seized, live_server, caseworker, start="members:list")
        sign_in(page, live_server, coordinator, start="core:staff")
        page.get_by_role("link", name=caseworker.username).click()
        page.get_by_role("button", name="End every session now").click()
        assert re.search(r"/account/confirm/", page.url)  # password and a fresh code first
        page.get_by_label("Password").fill("x" * 16)
        page.get_by_label("Code from your authenticator app").fill(next_code(coordinator))
        fits(page)
        page.get_by_role("button", name="Confirm").click()
        page.get_by_role("button", name="End every session now").click()
        assert page.get_by_text("Every session of this person is ended.").is_visible()
        screenshot(page, "staff-sessions-ended")
        fits(page)

        seized.get_by_role("link", name="Hotline").click()
        seized.wait_for_url(re.compile(r"/account/login/"))
        assert seized.get_by_label("Username").is_visible()
        page.goto(f"{live_server.url}{reverse('core:staff')}")  # the coordinator is still in
        assert page.get_by_role("heading", name="Staff").is_visible()
