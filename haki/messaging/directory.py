"""The channel directory: what receiving a text needs to know about each channel, kept
in the spool folder so that a web process started while the database is down still
recognises its gateways, checks their requests and spools their texts.

For each active channel it holds its id, uuid, type, organisation, allowed addresses
and the secrets a gateway's request is checked against (``secret``, ``auth_token``);
never the passwords and API keys used for sending. It is encrypted with a key derived
from the master key (HKDF, a label of its own), written whole or not at all like the
spool's files, and rewritten after any channel changes, when the web server and the
worker start, and by the worker's minute sweep (which also follows key rotation)."""

from __future__ import annotations

import base64
import json
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import DatabaseError

from haki.core import crypto
from haki.messaging import spool
from haki.messaging.models import Channel

logger = logging.getLogger(__name__)
FILENAME = "channels.directory"
LABEL = b"haki channel directory v1"
RECEIVING_SECRETS = ("secret", "auth_token")

# What this process last wrote, so that an unchanged directory is not written again.
_written: dict[str, bytes] = {}


def path() -> Path:
    return spool.folder() / FILENAME


@lru_cache(maxsize=2)
def _fernet(master_keys: tuple[str, ...]) -> MultiFernet:
    crypto.master()  # the master key's own checks and message when it is unusable
    return MultiFernet(
        [
            Fernet(
                base64.urlsafe_b64encode(
                    HKDF(algorithm=SHA256(), length=32, salt=None, info=LABEL).derive(
                        base64.urlsafe_b64decode(key)
                    )
                )
            )
            for key in master_keys
        ]
    )


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.HAKI_MASTER_KEYS))


def entries() -> dict[str, dict[str, Any]]:
    """Every active channel as the directory holds it, read from the database."""
    found = {}
    for channel in Channel.objects.filter(is_active=True).select_related("organisation"):
        try:
            secrets = channel.secrets
        except crypto.KeysUnavailable:
            continue  # a shredded organisation receives nothing
        found[str(channel.uuid)] = {
            "id": channel.pk,
            "type": channel.type,
            "organisation": channel.organisation_id,
            "allowed_ips": channel.config.get("allowed_ips") or [],
            "legacy_type": channel.config.get("legacy_type"),
            "secrets": {name: secrets[name] for name in RECEIVING_SECRETS if secrets.get(name)},
        }
    return found


def refresh() -> bool:
    """Rewrite the directory from the database; False when it was already current."""
    plaintext = json.dumps(entries(), sort_keys=True).encode()
    target = path()
    if _written.get(str(target)) == plaintext and target.exists():
        return False
    spool.write_atomically(target, fernet().encrypt(plaintext))
    _written[str(target)] = plaintext
    return True


def refresh_quietly() -> None:
    """``refresh`` for a signal or a sweep: a failure is logged, never raised, since
    the change that prompted it has already been made."""
    try:
        refresh()
    except (DatabaseError, OSError) as exc:
        logger.error("the channel directory could not be rewritten (%s)", type(exc).__name__)


def lookup(channel_uuid: UUID) -> Channel | None:
    """The channel as the directory last described it, or None. Not saved, nor to be:
    enough to check a gateway's request and spool its text."""
    try:
        token = path().read_bytes()
    except FileNotFoundError:
        return None
    try:
        found = json.loads(fernet().decrypt(token)).get(str(channel_uuid))
    except (InvalidToken, ValueError):
        logger.error("the channel directory cannot be decrypted with the master key(s)")
        return None
    if found is None:
        return None
    channel = Channel(
        pk=found["id"],
        uuid=channel_uuid,
        type=found["type"],
        organisation_id=found["organisation"],
        config={"allowed_ips": found["allowed_ips"], "legacy_type": found.get("legacy_type")},
    )
    # Sealed keeps what it decrypted next to the ciphertext it came from; the secrets
    # are given here in the clear, with no ciphertext, as no key can be read now.
    channel.__dict__["_sealed_secrets"] = ("", found["secrets"])
    return channel
