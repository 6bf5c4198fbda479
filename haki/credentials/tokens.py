"""The signed token a card carries in its QR code, and checking it against a published
key document, with no database: the same code answers the verification page and
``haki credentials verify`` on a laptop with no connection.

A token is 79 bytes, 106 characters of URL-safe base 64 (well under the 300 that keep
a QR code readable at error-correction level M)::

    version (1) | key id (4) | code (5) | valid from (2) | valid until (2) | role (1)
    | Ed25519 signature (64)

Dates are days since 2020-01-01. The signature covers everything before it. Nothing in
a token names the person who carries the card."""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import struct
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from haki.credentials import codes

VERSION = 1
EPOCH = datetime.date(2020, 1, 1)
# The order is part of the token format: append new roles, never reorder.
ROLES = ("paralegal", "peer_educator", "outreach_worker")
_BODY = struct.Struct(">B4s5sHHB")
SIGNATURE_BYTES = 64
DOCUMENT_FORMAT = "haki-credentials/1"


class Status:
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    NOT_YET_VALID = "not_yet_valid"
    # A token whose signature does not hold, a code nobody issued, a key nobody published.
    UNKNOWN = "unknown"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public: bytes) -> str:
    """Eight hex digits naming a public key: the first four bytes of its SHA-256."""
    return hashlib.sha256(public).hexdigest()[:8]


@dataclass(frozen=True)
class Claims:
    key_id: str
    code: str
    valid_from: datetime.date
    valid_until: datetime.date
    role: str


def _days(day: datetime.date) -> int:
    return (day - EPOCH).days


def sign(private: Ed25519PrivateKey, claims: Claims) -> str:
    body = _BODY.pack(
        VERSION,
        bytes.fromhex(claims.key_id),
        codes.decode(claims.code).to_bytes(5, "big"),
        _days(claims.valid_from),
        _days(claims.valid_until),
        ROLES.index(claims.role),
    )
    return b64(body + private.sign(body))


def read(token: str) -> tuple[Claims, bytes, bytes] | None:
    """The claims a token makes, with the signed bytes and the signature, or None when it
    is not a token at all. Nothing here is trusted until ``verified`` says so."""
    if not token or len(token) > 200:
        return None
    try:
        raw = unb64(token.strip())
    except (binascii.Error, ValueError):
        return None
    if len(raw) != _BODY.size + SIGNATURE_BYTES:
        return None
    body, signature = raw[: _BODY.size], raw[_BODY.size :]
    version, kid, code, start, until, role = _BODY.unpack(body)
    if version != VERSION or role >= len(ROLES):
        return None
    claims = Claims(
        key_id=kid.hex(),
        code=codes.encode(int.from_bytes(code, "big")),
        valid_from=EPOCH + datetime.timedelta(days=start),
        valid_until=EPOCH + datetime.timedelta(days=until),
        role=ROLES[role],
    )
    return claims, body, signature


def verified(token: str, public: bytes) -> Claims | None:
    """The token's claims if ``public`` signed exactly these bytes, else None."""
    parsed = read(token)
    if parsed is None:
        return None
    claims, body, signature = parsed
    if key_id(public) != claims.key_id:
        return None
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, body)
    except (InvalidSignature, ValueError):
        return None
    return claims


def status_on(
    today: datetime.date, valid_from: datetime.date, valid_until: datetime.date, revoked: bool
) -> str:
    if revoked:
        return Status.REVOKED
    if today > valid_until:
        return Status.EXPIRED
    if today < valid_from:
        return Status.NOT_YET_VALID
    return Status.VALID


@dataclass(frozen=True)
class Verdict:
    """All that a check answers: never who carries the card."""

    status: str
    code: str = ""
    organisation: str = ""
    role: str = ""
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None
    endorsed_by: tuple[str, ...] = field(default_factory=tuple)

    @property
    def recognised(self) -> bool:
        return self.status != Status.UNKNOWN


def verify_offline(
    token: str, document: dict[str, Any], now: datetime.datetime | None = None
) -> Verdict:
    """Check ``token`` against a published key document (``/.well-known/haki/
    credentials/<org>.json``): the signature against its keys, revocation against its
    list (as recent as its ``revocations_as_of``), the dates in its time zone."""
    if document.get("format") != DOCUMENT_FORMAT:
        return Verdict(Status.UNKNOWN)
    parsed = read(token)
    if parsed is None:
        return Verdict(Status.UNKNOWN)
    keys = {key.get("id"): key.get("public_key", "") for key in document.get("keys", [])}
    published = keys.get(parsed[0].key_id)
    try:
        claims = verified(token, unb64(published)) if published else None
    except (binascii.Error, ValueError):
        claims = None
    if claims is None:
        return Verdict(Status.UNKNOWN)
    try:
        zone = zoneinfo.ZoneInfo(document.get("time_zone") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    today = (now or datetime.datetime.now(datetime.UTC)).astimezone(zone).date()
    revoked = claims.code in set(document.get("revoked", []))
    return Verdict(
        status=status_on(today, claims.valid_from, claims.valid_until, revoked),
        code=claims.code,
        organisation=str(document.get("name", "")),
        role=claims.role,
        valid_from=claims.valid_from,
        valid_until=claims.valid_until,
    )


def new_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_from_bytes(raw: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(raw)
