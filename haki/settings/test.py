"""Settings for the test suite: SQLite by default, PostgreSQL when
HAKI_TEST_DATABASE_URL is set (as CI does), a fresh master key per run."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet

from haki.settings.base import *  # noqa: F403
from haki.settings.base import database_from_url

SECRET_KEY = "test-only-secret-key-not-for-any-deployment-0123456789"  # noqa: S105
HAKI_MASTER_KEYS = [os.environ.get("HAKI_TEST_MASTER_KEY") or Fernet.generate_key().decode()]

_url = os.environ.get("HAKI_TEST_DATABASE_URL")
DATABASES = {
    "default": database_from_url(_url)
    if _url
    else {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": ":memory:",
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30},
    }
}

HAKI_SPOOL_DIR = Path(tempfile.mkdtemp(prefix="haki-test-spool-"))
HAKI_CALLBACK_BASE_URL = "http://testserver"
HUEY = {"name": "haki-test", "immediate": True, "immediate_use_memory": True}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
HAKI_SIMULATOR = True
