"""Staff credentials are protected like members' data (issue 13, items 1, 2, 7, 11, 19):
no tried password kept, authenticator seeds sealed, lockout a stranger cannot trigger
for someone else, 2FA removed only with the password and a code, a bad master key
refused at start-up, and lookup indexes re-keyed by rotation."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import verified_client
from haki.core import crypto, keys
from haki.core.models import AuditEvent, DataKey, Organisation
from haki.core.proxies import client_address
from haki.core.roles import Role
from haki.core.tests.test_login import password_step, token_step
from haki.crisis.models import Responder
from haki.members.models import Member
from haki.messaging.models import Msg

ROOT = Path(__file__).resolve().parents[3]
TRIED = "Mistyped-Passw0rd-4417"
MIGRATION = "haki.core.migrations.0006_seal_authenticator_seeds_and_forget_tried_passwords"


@pytest.fixture
def coordinator(world):
    user = world["a"].users[Role.COORDINATOR]
    return user, TOTPDevice.objects.create(user=user, name="default", confirmed=True)


def stored_key(device: TOTPDevice) -> str:
    return TOTPDevice.objects.filter(pk=device.pk).values_list("key", flat=True).get()


# 1. A leaked database gives no working staff login --------------------------------------


def test_a_failed_sign_in_keeps_nothing_that_was_typed(coordinator, client):
    user, _ = coordinator
    password_step(client, user.username, TRIED)
    attempt = AccessAttempt.objects.get(username=user.username)
    assert attempt.failures_since_start == 1  # the failure still counts
    assert TRIED not in attempt.post_data
    assert attempt.post_data == "" and attempt.get_data == ""


def test_authenticator_seeds_are_stored_sealed_and_still_sign_staff_in(coordinator, client):
    user, device = coordinator
    seed = device.bin_key
    assert len(seed) == 20
    assert seed.hex() not in stored_key(device)
    password_step(client, user.username)
    assert token_step(client, TOTPDevice.objects.get(pk=device.pk)).status_code == 302
    assert client.get(reverse("core:home")).status_code == 200


def test_seeds_follow_the_master_key_when_it_is_replaced(coordinator, settings):
    _, device = coordinator
    seed, before = device.bin_key, stored_key(device)
    new_master = crypto.generate_key()
    settings.HAKI_MASTER_KEYS = [new_master, *settings.HAKI_MASTER_KEYS]
    call_command("rotate_keys", "--all")
    settings.HAKI_MASTER_KEYS = [new_master]  # the old master key is retired
    crypto.forget_keyrings()
    device = TOTPDevice.objects.get(pk=device.pk)
    assert stored_key(device) != before
    assert device.bin_key == seed
    assert device.verify_token(totp(seed))


def test_upgrading_seals_old_seeds_and_forgets_tried_passwords(coordinator):
    from django.apps import apps

    _, device = coordinator
    seed = device.bin_key
    TOTPDevice.objects.filter(pk=device.pk).update(key=seed.hex())  # as stored before
    AccessAttempt.objects.create(
        username="someone",
        ip_address="198.51.100.9",
        user_agent="x",
        get_data="",
        post_data=f"auth-username=someone\nauth-password={TRIED}",
        failures_since_start=1,
        http_accept="*/*",
        path_info="/account/login/",
    )
    migration = importlib.import_module(MIGRATION)
    migration.seal_seeds(apps, None)
    migration.forget_tried_passwords(apps, None)
    assert seed.hex() not in stored_key(device)
    assert TOTPDevice.objects.get(pk=device.pk).bin_key == seed
    assert not AccessAttempt.objects.filter(post_data__contains=TRIED).exists()


# 2. A stranger cannot lock someone else out ---------------------------------------------


def via_nginx(client: Client, address: str) -> Client:
    """A client whose requests arrive through the local proxy, from ``address``."""
    client.defaults.update(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=address)
    return client


def test_a_stranger_behind_the_proxy_cannot_lock_out_the_account_owner(coordinator):
    user, device = coordinator
    stranger = via_nginx(Client(), "203.0.113.66")
    for _ in range(5):
        password_step(stranger, user.username, "wrong-password-123")
    assert password_step(stranger, user.username).status_code == 429  # the stranger is out
    owner = via_nginx(Client(), "198.51.100.20")
    assert password_step(owner, user.username).status_code == 200
    assert token_step(owner, device).status_code == 302
    assert owner.get(reverse("core:home")).status_code == 200


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        ("198.51.100.20", "", "198.51.100.20"),
        ("198.51.100.20", "203.0.113.66", "198.51.100.20"),  # not from a proxy: ignored
        ("127.0.0.1", "198.51.100.20", "198.51.100.20"),
        ("127.0.0.1", "203.0.113.66, 198.51.100.20", "198.51.100.20"),  # forged left part
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
        ("127.0.0.1", "", "127.0.0.1"),
        ("::1", "2001:db8::7", "2001:db8::7"),
        ("", "198.51.100.20", "198.51.100.20"),  # nginx on a unix socket
    ],
)
def test_the_client_address_is_the_rightmost_hop_no_trusted_proxy_wrote(remote, forwarded, client):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == client


def test_trusted_proxies_are_addresses_not_a_count(monkeypatch):
    from haki.env import env_networks

    monkeypatch.setenv("HAKI_TRUSTED_PROXIES", "10.0.0.0/8, ::1")
    assert [str(n) for n in env_networks("HAKI_TRUSTED_PROXIES")] == ["10.0.0.0/8", "::1/128"]
    for wrong in ("1", "proxy.example.org"):
        monkeypatch.setenv("HAKI_TRUSTED_PROXIES", wrong)
        with pytest.raises(ImproperlyConfigured, match="HAKI_TRUSTED_PROXIES"):
            env_networks("HAKI_TRUSTED_PROXIES")


# 7. Removing 2FA takes the password and a code, is audited, and owners see it -----------

DISABLE = "/account/two_factor/disable/"


def test_removing_an_authenticator_takes_the_password_and_a_current_code(world, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no pause after the wrong code below
    user = world["a"].users[Role.COORDINATOR]
    client = verified_client(user)
    device = TOTPDevice.objects.get(user=user)
    for wrong in (
        {"understand": "on"},  # all two_factor's own page asked for
        {"password": "wrong-password-123", "token": f"{totp(device.bin_key):06d}"},
        {"password": "x" * 16, "token": f"{(totp(device.bin_key) + 500_000) % 10**6:06d}"},
    ):
        response = client.post(DISABLE, wrong)
        assert response.status_code == 200 and b"not right" in response.content
        assert TOTPDevice.objects.filter(pk=device.pk).exists()
    response = client.post(DISABLE, {"password": "x" * 16, "token": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 302 and response["Location"] == reverse("two_factor:setup")
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert client.get(reverse("members:list"))["Location"] == reverse("two_factor:setup")
    event = AuditEvent.objects.get(action="delete", object_type="otp_totp.totpdevice")
    assert event.actor == user.username and event.organisation_id == world["a"].org.pk
    owner_home = verified_client(world["a"].users[Role.OWNER]).get(reverse("core:home"))
    assert f"Removed by {user.username} on ".encode() in owner_home.content
    others = verified_client(world["b"].users[Role.OWNER]).get(reverse("core:home"))
    assert b"Authenticators removed" not in others.content
    colleague = verified_client(world["a"].users[Role.CASEWORKER]).get(reverse("core:home"))
    assert b"Authenticators removed" not in colleague.content


# 11. A master key that is not a key stops start-up --------------------------------------


def test_a_master_key_that_is_not_a_key_fails_the_system_checks(settings):
    settings.HAKI_MASTER_KEYS = ["notakey"]
    with pytest.raises(SystemCheckError, match="HAKI_MASTER_KEY"):
        call_command("check")


def test_check_deploy_refuses_a_master_key_that_is_not_a_key(tmp_path):
    # Browser tests allow async-unsafe calls in this process; a deployment never does.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "haki.settings.production",
        "HAKI_SECRET_KEY": "check-only-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ",
        "HAKI_MASTER_KEY": "notakey",
        "HAKI_ALLOWED_HOSTS": "haki.example.org",
        "HAKI_VAR_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "haki.cli", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert b"HAKI_MASTER_KEY must hold Fernet keys" in done.stderr
    assert b"notakey" not in done.stderr + done.stdout  # a secret is never printed
    env["HAKI_MASTER_KEY"] = Fernet.generate_key().decode()
    fine = subprocess.run(
        [sys.executable, "-m", "haki.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert fine.returncode == 0, fine.stderr.decode()[-2000:]


# 19. Rotation re-keys every lookup index ------------------------------------------------


def indexed_values() -> dict[tuple[str, int, str], str]:
    """Every lookup index of every model, found by field class as rotation finds them."""
    found = {}
    for model, fields in keys.sealed_fields():
        for field in fields:
            if isinstance(field, crypto.Sealed) and field.index:
                for pk, index in model.objects.values_list("pk", field.index):
                    if index:
                        found[(model._meta.label, pk, field.index)] = index
    return found


def test_rotating_keys_re_indexes_every_indexed_field_under_a_new_index_key(world):
    org = world["a"].org
    before = indexed_values()
    labels = {label for label, _, _ in before}
    assert {"members.Member", "crisis.Responder", "messaging.Msg"} <= labels
    old_index_key = DataKey.objects.get(organisation=org, purpose=DataKey.INDEX).pk
    call_command("rotate_keys", "--org", org.slug)
    crypto.forget_keyrings()
    org = Organisation.objects.get(pk=org.pk)
    assert not DataKey.objects.filter(pk=old_index_key).exists()
    assert DataKey.objects.filter(organisation=org, purpose=DataKey.INDEX).count() == 1
    after = indexed_values()
    assert after.keys() == before.keys()
    changed = {k for k in before if before[k] != after[k]}
    in_a = {
        ("members.Member", world["a"].member.pk, "phone_index"),
        ("crisis.Responder", world["a"].responder.pk, "phone_index"),
        ("messaging.Msg", world["a"].inbox_msg.pk, "phone_index"),
    }
    assert in_a <= changed
    assert not changed & {
        ("members.Member", world["b"].member.pk, "phone_index"),
        ("messaging.Msg", world["b"].inbox_msg.pk, "phone_index"),
    }
    # Lookups still find everyone, and a text still finds its sender.
    assert Member.objects.with_phone(org, "0190100001").get() == world["a"].member
    assert Responder.objects.with_phone(org, "+254190000001").get() == world["a"].responder
    msg = Msg.objects.get(pk=world["a"].inbox_msg.pk)
    assert Member.objects.get(phone_index=msg.phone_index) == world["a"].member
