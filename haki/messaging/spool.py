"""The durable spool: where an incoming text goes when the database cannot take it,
so that the gateway still gets its 2xx and nothing is lost. A missed call goes there
too, and also when its organisation's keys cannot be opened.

Each text is one file, encrypted with the master key (the organisation's keys live in
the database, which is down), written to a temporary name, flushed to disk, then
renamed, so a crash never leaves half a file. ``replay`` moves the files into the
database once it is back; the unique (channel, external id) makes replaying twice
harmless."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import uuid
from datetime import datetime
from pathlib import Path

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, DataError, IntegrityError, transaction

from haki.core import crypto
from haki.messaging.channels import TEXT, Incoming

logger = logging.getLogger(__name__)
SUFFIX = ".msg"


def folder() -> Path:
    return Path(settings.HAKI_SPOOL_DIR)


def ensure_writable() -> None:
    """Called at start-up: a spool that cannot be written would lose texts later."""
    path = folder()
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".probe-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ImproperlyConfigured(
            f"HAKI_SPOOL_DIR={path} is not writable ({exc.strerror}); incoming texts "
            "could be lost while the database is unavailable."
        ) from None


def write(channel_uuid: uuid.UUID, incoming: Incoming) -> Path:
    record = {
        "channel": str(channel_uuid),
        "external_id": incoming.external_id,
        "sender": incoming.sender,
        "text": incoming.text,
        "received_on": incoming.received_on.isoformat() if incoming.received_on else None,
        "kind": incoming.kind,
    }
    token = crypto.master().encrypt(json.dumps(record).encode())
    name = f"{datetime.now().strftime('%Y%m%d%H%M%S%f')}-{uuid.uuid4().hex}"
    return write_atomically(folder() / f"{name}{SUFFIX}", token)


def write_atomically(final: Path, content: bytes) -> Path:
    """``content`` at ``final``, whole or not at all, even if the machine stops."""
    temporary = final.with_name(f".{final.name}.{uuid.uuid4().hex}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, final)
    directory = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return final


def pending() -> list[Path]:
    return sorted(folder().glob(f"*{SUFFIX}"))


def replay() -> int:
    """Store every spooled text; stop at the first database error. Returns how many.

    Several workers may replay at once: a file another one took meanwhile is skipped,
    and one stored twice is stored once (the unique channel and id). A file that cannot
    be read is set aside, so it never stops the others, nor the rest of a sweep."""
    from haki.messaging.inbound import store_incoming
    from haki.messaging.models import Channel

    count = 0
    for path in pending():
        try:
            token = path.read_bytes()
        except FileNotFoundError:
            continue
        try:
            record = json.loads(crypto.master().decrypt(token))
        except (InvalidToken, ValueError):
            logger.error("spooled file %s cannot be decrypted; set aside", path.name)
            _set_aside(path, ".unreadable")
            continue
        received_on = record["received_on"]
        incoming = Incoming(
            external_id=record["external_id"],
            sender=record["sender"],
            text=record["text"],
            received_on=datetime.fromisoformat(received_on) if received_on else None,
            kind=record.get("kind", TEXT),  # files spooled before calls were spooled too
        )
        try:
            channel = Channel.objects.select_related("organisation").get(uuid=record["channel"])
            # Its own transaction (a savepoint in a caller's): a text the database
            # refuses leaves the connection usable for the texts after it.
            with transaction.atomic():
                store_incoming(channel, incoming)
        except Channel.DoesNotExist:
            logger.error("spooled text for a channel that no longer exists: %s", path.name)
            _set_aside(path, ".orphan")
            continue
        except (IntegrityError, DataError) as exc:
            # The database is up and refuses this one text: it must not hold up the rest.
            logger.error("spooled text refused (%s): %s set aside", type(exc).__name__, path.name)
            _set_aside(path, ".refused")
            continue
        except DatabaseError:
            logger.warning("database still unavailable; %s texts wait in the spool", len(pending()))
            break
        except crypto.KeysUnavailable:
            # A missed call spooled while its organisation's keys could not be opened.
            logger.warning("keys still unavailable: %s waits in the spool", path.name)
            continue
        path.unlink(missing_ok=True)
        count += 1
    if count:
        logger.info("replayed %s spooled texts", count)
    return count


def _set_aside(path: Path, suffix: str) -> None:
    with contextlib.suppress(FileNotFoundError):  # another worker set it aside first
        path.rename(path.with_suffix(suffix))
