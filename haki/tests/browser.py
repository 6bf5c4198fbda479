"""Playwright driving Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("HAKI_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(
    os.environ.get("HAKI_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts")
)
# Chromium's own background traffic would be refused by a closed network; turn it off.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}


@contextmanager
def phone_page() -> Iterator:
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop; Django must allow ORM calls from here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en"
        )
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, live_server, user, start: str = "crisis:board") -> None:
    """Sign in through the real two-step form, landing on ``start``."""
    from django.urls import reverse
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="default", defaults={"confirmed": True}
    )
    page.goto(f"{live_server.url}{reverse(start)}")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("x" * 16)
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Token").fill(f"{totp(device.bin_key, step=device.step, t0=device.t0):06d}")
    page.get_by_role("button", name="Next").click()
    page.wait_for_url(f"{live_server.url}{reverse(start)}")
