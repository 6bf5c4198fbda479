"""Authenticator seeds, encrypted at rest with a key derived from the master key.

django-otp keeps a TOTP device's seed in ``TOTPDevice.key`` as hex, so a copy of the
database would give a working second factor for every staff account. Here that column
holds the seed sealed instead, and ``bin_key`` (which django-otp, two_factor's setup
wizard, re-authentication and the demo all read) opens it:

- every save seals a plain hex key (a new device from the setup wizard, the demo, a
  test), before it reaches the database;
- staff span organisations, so the key is not an organisation's data key but one
  derived from each master key (HKDF, its own label), newest first like MultiFernet;
- ``reseal_all`` re-encrypts every seed under the newest master key (``haki rotate_keys``).

The column is 80 characters (django-otp's), too short for a Fernet token of a 20-byte
seed (120); AES-GCM from ``cryptography`` fits it: ``s1:`` + base64(nonce, ciphertext,
tag) is 67 characters.
"""

from __future__ import annotations

import base64
import os
from binascii import unhexlify
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction

from haki.core import crypto

PREFIX = "s1:"
LABEL = b"haki authenticator seeds v1"
NONCE_BYTES = 12


@lru_cache(maxsize=4)
def _ciphers(master_keys: tuple[str, ...]) -> list[AESGCM]:
    crypto.master()  # refuses a missing or malformed master key with a clear message
    ciphers = []
    for key in master_keys:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=LABEL)
        ciphers.append(AESGCM(hkdf.derive(base64.urlsafe_b64decode(key))))
    return ciphers


def ciphers() -> list[AESGCM]:
    """One cipher per configured master key, newest first."""
    return _ciphers(tuple(settings.HAKI_MASTER_KEYS))


def is_sealed(key: str) -> bool:
    return key.startswith(PREFIX)


def seal(seed: bytes) -> str:
    nonce = os.urandom(NONCE_BYTES)
    token = nonce + ciphers()[0].encrypt(nonce, seed, LABEL)
    return PREFIX + base64.urlsafe_b64encode(token).decode()


def open_seed(key: str) -> bytes:
    """The raw seed: from a sealed key, or from a plain hex one not yet saved."""
    if not is_sealed(key):
        return unhexlify(key.encode())
    token = base64.urlsafe_b64decode(key.removeprefix(PREFIX))
    nonce, sealed = token[:NONCE_BYTES], token[NONCE_BYTES:]
    for cipher in ciphers():
        try:
            return cipher.decrypt(nonce, sealed, LABEL)
        except InvalidTag:
            continue
    raise crypto.KeysUnavailable("An authenticator seed cannot be opened with the master key(s).")


def seal_key(key: str) -> str:
    """``key`` as stored: sealed, whatever form it came in."""
    return key if not key or is_sealed(key) else seal(unhexlify(key.encode()))


def seal_before_saving(sender: type, instance: Any, **kwargs: Any) -> None:
    instance.key = seal_key(instance.key)


def bin_key(device: Any) -> bytes:
    return open_seed(device.key)


def install() -> None:
    """Make every TOTP device seal its seed on save and open it when read."""
    from django.db.models.signals import pre_save
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.bin_key = property(bin_key)  # type: ignore[assignment, method-assign]
    pre_save.connect(seal_before_saving, sender=TOTPDevice, dispatch_uid="seal_totp_seed")


def reseal_all(model: Any = None) -> int:
    """Seal every seed (again) under the newest master key; returns how many."""
    if model is None:
        from django_otp.plugins.otp_totp.models import TOTPDevice as model
    count = 0
    with transaction.atomic():
        for pk, key in model.objects.select_for_update().values_list("pk", "key"):
            if key:
                model.objects.filter(pk=pk).update(key=seal(open_seed(key)))
                count += 1
    return count


def remove(user: Any) -> int:
    """Delete every second factor of ``user``, with one audit event in each of their
    organisations, so that each organisation's owners see it (core's home panel)."""
    from django_otp import devices_for_user

    from haki.core.models import AuditEvent

    organisations = [m.organisation for m in user.memberships.select_related("organisation")]
    removed = 0
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=None):
            for organisation in organisations or [None]:
                AuditEvent.record(user, AuditEvent.Action.DELETE, device, organisation)
            device.delete()
            removed += 1
    return removed
