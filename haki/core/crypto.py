"""Envelope encryption for personal data.

Each organisation has its own data keys (Fernet, newest first in a MultiFernet so
older ciphertext stays readable after rotation) and one HMAC key for lookup indexes.
Those keys are stored only wrapped by the master key, which comes from the
environment (``HAKI_MASTER_KEY`` / ``HAKI_MASTER_KEY_FILE``) and never from the
database. Deleting an organisation's wrapped keys makes its ciphertext unreadable
(crypto-shredding).

Nothing here is a cipher of our own: Fernet is AES-128-CBC + HMAC-SHA256 from the
``cryptography`` package, indexes are HMAC-SHA256.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json as jsonlib
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from haki.core.models import Organisation


class KeysUnavailable(Exception):
    """The organisation's keys are gone (crypto-shredded) or cannot be unwrapped."""


def generate_key() -> str:
    return Fernet.generate_key().decode()


@lru_cache(maxsize=1)
def master() -> MultiFernet:
    keys = settings.HAKI_MASTER_KEYS
    if not keys:
        raise ImproperlyConfigured("HAKI_MASTER_KEY (or HAKI_MASTER_KEY_FILE) is not set.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "HAKI_MASTER_KEY must hold Fernet keys (32 url-safe base64-encoded bytes); "
            "create one with `haki generate-master-key`."
        ) from None


def wrap(key: str | bytes) -> str:
    raw = key.encode() if isinstance(key, str) else key
    return master().encrypt(raw).decode()


def unwrap(wrapped: str) -> bytes:
    try:
        return master().decrypt(wrapped.encode())
    except InvalidToken:
        raise KeysUnavailable(
            "A data key cannot be unwrapped with the configured master key(s)."
        ) from None


@dataclass(frozen=True)
class Keyring:
    """An organisation's unwrapped keys, held in memory only."""

    data: MultiFernet
    index_key: bytes

    def seal(self, plaintext: str) -> str:
        return self.data.encrypt(plaintext.encode()).decode()

    def open(self, token: str) -> str:
        return self.open_bytes(token.encode()).decode()

    def open_bytes(self, token: bytes) -> bytes:
        try:
            return self.data.decrypt(token)
        except InvalidToken:
            raise KeysUnavailable(
                "This value cannot be decrypted with the organisation's keys."
            ) from None

    def rotate(self, token: str | bytes | memoryview) -> str | bytes:
        """The token re-encrypted under the newest key, as text or bytes as it came."""
        if isinstance(token, str):
            return self.data.rotate(token.encode()).decode()
        return self.data.rotate(bytes(token))

    def index(self, value: str) -> str:
        return hmac.new(self.index_key, value.encode(), hashlib.sha256).hexdigest()


# The audit trail's chain key: derived from a master key under a label of its own, so
# it is never stored (a copy of the database cannot recompute the chain) and no new
# secret has to be kept. Its id, a digest of the key, names it in the database and in
# anchors without revealing it.
AUDIT_LABEL = b"haki audit chain v1"


@lru_cache(maxsize=1)
def audit_keys() -> dict[str, bytes]:
    """The chain key of every configured master key by its id, the first master key's
    first: a chain made under an older master key stays verifiable until it is
    re-chained (``haki rotate_keys``) and that key is retired."""
    master()  # the same clear refusal of a missing or malformed master key
    keys = {}
    for master_key in settings.HAKI_MASTER_KEYS:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=AUDIT_LABEL)
        key = hkdf.derive(base64.urlsafe_b64decode(master_key))
        keys[hmac.new(key, b"key id", hashlib.sha256).hexdigest()[:16]] = key
    return keys


def audit_key(key_id: str) -> bytes:
    try:
        return audit_keys()[key_id]
    except KeyError:
        raise KeysUnavailable(
            f"The audit trail is chained under key {key_id}, made from a master key that "
            "is no longer configured: put that master key back (second) and run "
            "`haki rotate_keys --all`."
        ) from None


def primary_audit_key_id() -> str:
    return next(iter(audit_keys()))


def chain_mac(key: bytes, payload: bytes) -> str:
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


_keyrings: dict[tuple[int, int], Keyring] = {}


def keyring_for(organisation: Organisation) -> Keyring:
    cache_key = (organisation.pk, organisation.key_version)
    ring = _keyrings.get(cache_key)
    if ring is None:
        ring = organisation.load_keyring()
        _keyrings[cache_key] = ring
    return ring


def forget_keyrings() -> None:
    """Drop unwrapped keys held in memory (after rotation, shredding, or in tests)."""
    _keyrings.clear()
    master.cache_clear()
    audit_keys.cache_clear()


class Sealed:
    """A model attribute stored encrypted with its organisation's keys.

    ``Member.phone = Sealed("phone_sealed", index="phone_index", normalise=...)`` keeps
    the ciphertext in ``phone_sealed`` and, when ``index`` is given, a keyed HMAC of the
    normalised value in ``phone_index`` so the row can be found without decrypting.
    ``json=list`` (or ``dict``) stores structured values, such as codewords, as JSON.
    """

    def __init__(
        self,
        column: str,
        index: str | None = None,
        normalise=None,
        json: type[list] | type[dict] | None = None,
    ):
        self.column = column
        self.index = index
        self.normalise = normalise
        self.json = json
        self.empty = json or str

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.cache = f"_sealed_{name}"

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        token = getattr(instance, self.column)
        cached = instance.__dict__.get(self.cache)
        if cached is not None and cached[0] == token:  # still the same ciphertext
            return cached[1]
        if not token:
            value: Any = self.empty()
        else:
            plaintext = keyring_for(instance.organisation).open(token)
            value = jsonlib.loads(plaintext) if self.json else plaintext
        instance.__dict__[self.cache] = (token, value)
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        if self.normalise and value:
            value = self.normalise(instance, value)
        columns = self.columns(instance.organisation, value)
        for column, stored in columns.items():
            setattr(instance, column, stored)
        instance.__dict__[self.cache] = (columns[self.column], value or self.empty())

    def columns(self, organisation: Organisation, value: Any) -> dict[str, Any]:
        """What storing ``value`` (already normalised) writes: the ciphertext column and,
        with an index, the HMAC column. For statements that write rows directly."""
        ring = keyring_for(organisation)
        if value:
            plaintext = jsonlib.dumps(value, ensure_ascii=False) if self.json else value
            columns = {self.column: ring.seal(plaintext)}
        else:
            columns = {self.column: ""}
        if self.index:
            columns[self.index] = ring.index(value) if value else None
        return columns


class SealedBytes:
    """Like Sealed, for binary content such as attachments: the column holds the
    Fernet token as bytes. Rotation and shredding treat both alike."""

    def __init__(self, column: str):
        self.column = column

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        token = bytes(getattr(instance, self.column) or b"")
        return keyring_for(instance.organisation).open_bytes(token) if token else b""

    def __set__(self, instance: Any, value: bytes) -> None:
        ring = keyring_for(instance.organisation)
        setattr(instance, self.column, ring.data.encrypt(value) if value else b"")
