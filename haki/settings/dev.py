"""Local settings for ``make run``: SQLite, Huey on SQLite, secrets kept in a folder
outside the repository (created on first use)."""

from __future__ import annotations

import os
from pathlib import Path

from haki.settings.base import *  # noqa: F403
from haki.settings.base import HAKI_MASTER_KEYS

HAKI_DEV_SECRETS_DIR = Path(
    os.environ.get("HAKI_DEV_SECRETS_DIR") or Path.home() / ".config" / "haki"
)


def _dev_secret(filename: str, make) -> str:
    path = HAKI_DEV_SECRETS_DIR / filename
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(make())
    return path.read_text().strip()


if not HAKI_MASTER_KEYS:
    from cryptography.fernet import Fernet

    HAKI_MASTER_KEY_PATH = HAKI_DEV_SECRETS_DIR / "dev-master.key"
    HAKI_MASTER_KEYS = [_dev_secret("dev-master.key", lambda: Fernet.generate_key().decode())]

if not SECRET_KEY:  # noqa: F405
    from django.core.management.utils import get_random_secret_key

    SECRET_KEY = _dev_secret("dev-secret.key", get_random_secret_key)

HAKI_DEMO_ALLOWED = True
HAKI_SIMULATOR = True
