"""An uploaded file kept between two steps of a form (an import's mapping step): on
disk, encrypted with the organisation's data key, for an hour at most, and named by a
random token. Neither the file nor its name ever goes into the session or a URL."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from django.conf import settings

from haki.core.models import Organisation

KEEP_SECONDS = 3600


def _folder() -> Path:
    folder = Path(settings.VAR_DIR) / "uploads"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _path(organisation: Organisation, token: str) -> Path | None:
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        return None
    return _folder() / f"{organisation.pk}-{token}"


def sweep() -> None:
    """Remove what was left behind longer than KEEP_SECONDS."""
    cutoff = time.time() - KEEP_SECONDS
    for path in _folder().iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            pass


def keep(organisation: Organisation, data: bytes) -> str:
    """Store ``data`` encrypted; return the token that finds it again."""
    sweep()
    token = secrets.token_urlsafe(24)
    path = _path(organisation, token)
    assert path is not None
    temporary = path.with_suffix(".tmp")
    with open(temporary, "wb", opener=lambda p, f: os.open(p, f, 0o600)) as handle:
        handle.write(organisation.keyring.data.encrypt(data))
    temporary.rename(path)
    return token


def fetch(organisation: Organisation, token: str) -> bytes | None:
    """The file kept under ``token`` for this organisation, or None if gone."""
    path = _path(organisation, token)
    if path is None:
        return None
    try:
        if path.stat().st_mtime < time.time() - KEEP_SECONDS:
            path.unlink()
            return None
        return organisation.keyring.open_bytes(path.read_bytes())
    except FileNotFoundError:
        return None


def discard(organisation: Organisation, token: str) -> None:
    path = _path(organisation, token)
    if path is not None:
        path.unlink(missing_ok=True)
