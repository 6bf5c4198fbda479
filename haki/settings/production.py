"""Production settings: everything comes from the environment, and start-up stops with
a clear message when something essential is missing."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from haki.env import env_bool, env_int
from haki.settings.base import *  # noqa: F403
from haki.settings.base import HAKI_MASTER_KEYS, SECRET_KEY

if not HAKI_MASTER_KEYS:
    raise ImproperlyConfigured(
        "HAKI_MASTER_KEY (or HAKI_MASTER_KEY_FILE) is not set. Haki encrypts every "
        "organisation's data with keys wrapped by this master key and will not start "
        "without it. Create one with `haki generate-master-key` and keep it outside the "
        "database and its backups; see docs/deploy.md."
    )
if not SECRET_KEY:
    raise ImproperlyConfigured("HAKI_SECRET_KEY (or HAKI_SECRET_KEY_FILE) is not set.")

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("HAKI_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("HAKI_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
