"""Staff sign-in: password and authenticator code, lockout, idle timeout, headers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import verified_client
from haki.core.roles import Role

LOGIN = "/account/login/"


def password_step(client: Client, username: str, password: str = "x" * 16):
    return client.post(
        LOGIN,
        {"login_view-current_step": "auth", "auth-username": username, "auth-password": password},
    )


def token_step(client: Client, device: TOTPDevice, code: int | None = None):
    code = code if code is not None else totp(device.bin_key, step=device.step, t0=device.t0)
    return client.post(
        LOGIN, {"login_view-current_step": "token", "token-otp_token": f"{code:06d}"}
    )


@pytest.fixture
def coordinator(world):
    user = world["a"].users[Role.COORDINATOR]
    device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    return user, device


def test_signing_in_takes_a_password_and_an_authenticator_code(coordinator, client):
    user, device = coordinator
    assert client.get(reverse("core:home")).status_code == 302
    response = password_step(client, user.username)
    assert response.status_code == 200 and b"token-otp_token" in response.content
    assert client.get(reverse("core:home")).status_code == 302  # not yet in
    response = token_step(client, device)
    assert response.status_code == 302
    home = client.get(reverse("core:home"))
    assert home.status_code == 200 and b"org-a network" in home.content


def test_a_wrong_authenticator_code_does_not_let_anyone_in(coordinator, client):
    user, device = coordinator
    password_step(client, user.username)
    right = totp(device.bin_key, step=device.step, t0=device.t0)
    response = token_step(client, device, (right + 1) % 1_000_000)
    assert response.status_code == 200
    assert client.get(reverse("core:home")).status_code == 302


def test_staff_without_an_authenticator_must_enrol_before_anything_else(world, client):
    user = world["a"].users[Role.CASEWORKER]
    password_step(client, user.username)
    response = client.get(reverse("members:list"))
    assert response.status_code == 302 and response["Location"] == reverse("two_factor:setup")
    assert client.get(reverse("two_factor:setup")).status_code == 200


def test_repeated_failures_lock_the_account_even_with_the_right_password(coordinator, client):
    user, _ = coordinator
    for _ in range(5):
        password_step(client, user.username, "wrong-password-123")
    response = password_step(client, user.username)
    assert response.status_code == 429
    assert b"Too many failed attempts" in response.content


def test_an_idle_session_expires_and_activity_keeps_it_alive(world, settings):
    client = verified_client(world["a"].users[Role.OPERATOR])
    assert client.get(reverse("core:home")).status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    remaining = session.expire_date - timezone.now()
    assert timedelta(seconds=settings.SESSION_COOKIE_AGE - 60) < remaining
    assert remaining <= timedelta(seconds=settings.SESSION_COOKIE_AGE)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_private_pages_are_never_cached_and_run_only_our_own_scripts(world):
    response = verified_client(world["a"].users[Role.OWNER]).get(reverse("members:list"))
    assert response["Cache-Control"] == "no-store"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_the_login_page_says_nothing_about_what_the_service_is_for(client):
    html = client.get(LOGIN).content.decode()
    visible = re.sub(r"<(script|style)[^>]*>.*?</\\1>|<[^>]+>", " ", html, flags=re.S).lower()
    assert "sign in" in visible or "login" in visible
    for word in ("haki", "sex", "drug", "police", "crisis", "alert", "rights", "abuse"):
        assert word not in visible


def test_pages_load_no_third_party_resource(world):
    body = verified_client(world["a"].users[Role.OWNER]).get(reverse("core:home")).content
    assert b"//cdn" not in body and b"http://" not in body and b"https://" not in body


def test_a_browser_asking_for_its_icon_does_not_restart_a_half_done_sign_in(coordinator, client):
    user, device = coordinator
    password_step(client, user.username)
    assert client.get("/favicon.ico").status_code == 204
    assert token_step(client, device).status_code == 302
    assert client.get(reverse("core:home")).status_code == 200


def test_new_staff_enrol_an_authenticator_and_are_then_let_in(world, client):
    from base64 import b32decode

    user = world["a"].users[Role.CASEWORKER]
    password_step(client, user.username)
    setup = reverse("two_factor:setup")
    client.post(setup, {"setup_view-current_step": "welcome"})
    secret = client.session["django_two_factor-qr_secret_key"]
    key = b32decode(secret + "=" * (-len(secret) % 8))
    response = client.post(
        setup, {"setup_view-current_step": "generator", "generator-token": f"{totp(key):06d}"}
    )
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=user, name="default", confirmed=True).exists()
    assert client.get(reverse("members:list")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "sign_in"), [("sw", "Ingia"), ("ru", "Войти"), ("ky", "Кирүү")]
)
def test_the_sign_in_page_speaks_the_browsers_language(client, language, sign_in):
    body = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f"<h1>{sign_in}</h1>" in body


def test_a_code_used_once_is_refused_with_a_reason_and_what_to_do(coordinator, client):
    user, device = coordinator
    code = totp(device.bin_key, step=device.step, t0=device.t0)
    password_step(client, user.username)
    assert token_step(client, device, code).status_code == 302
    client.post(reverse("logout"))
    second = Client()
    password_step(second, user.username)
    response = token_step(second, device, code)
    assert response.status_code == 200
    assert b"This code was already used. Wait for the next code" in response.content
    assert second.get(reverse("core:home")).status_code == 302


def test_pressing_enter_on_the_code_step_submits_the_code_not_back(coordinator, client):
    user, _device = coordinator
    page = password_step(client, user.username).content.decode()
    form = page[page.index("<form") : page.index("</form>")]
    first_button = re.search(r"<button[^>]*>", form)[0]
    assert 'type="submit"' in first_button and "wizard_goto_step" not in first_button
