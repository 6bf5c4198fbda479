"""RapidSMS's Kannel backend, served for comparison on the same server and database.

RapidSMS (the established Python SMS framework) is installed from PyPI into a
virtualenv of its own under var/bench/ and run as a minimal project written here,
with the apps of RapidSMS's own project template. Each incoming text goes through
RapidSMS's default path inside the request: the Kannel view validates it, finds or
creates the sender's Backend and Connection rows, and the default BlockingRouter runs
every app's phases: messagelog stores the text, the handlers (echo, ping) find no
keyword, and the default app answers with its "could not understand" reply, which the
Kannel backend sends to the gateway (a local stub) and messagelog stores as well.

    .venv/bin/python -m bench.rapidsms_reference   # build the virtualenv and project"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.postgres import connection_settings
from bench.serving import Gunicorn
from haki.tests.harness import fresh_database

ROOT = Path(__file__).resolve().parents[1]
HOME = ROOT / "var" / "bench" / "rapidsms"
VENV = HOME / "venv"
SITE = HOME / "site"
PYTHON = VENV / "bin" / "python"
# The newest RapidSMS and the newest Django it declares support for; the same psycopg
# and gunicorn as Haki.
REQUIREMENTS = (
    "rapidsms==2.2.0",
    "Django==5.1.15",
    "psycopg[binary]==3.3.9",
    "gunicorn==27.0.1",
)
RECEIVE_PATH = "/backend/kannel/"

SETTINGS = '''"""A minimal RapidSMS project with the apps of RapidSMS's project template."""

import os

SECRET_KEY = "rapidsms-bench-only-0123456789-abcdefghijklmnopqrstuvwxyz"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
STATIC_URL = "/static/"
ROOT_URLCONF = "rapidsms_site.urls"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_tables2",
    "selectable",
    "rapidsms",
    "rapidsms.backends.database",
    "rapidsms.backends.kannel",
    "rapidsms.contrib.handlers",
    "rapidsms.contrib.httptester",
    "rapidsms.contrib.messagelog",
    "rapidsms.contrib.messaging",
    "rapidsms.contrib.registration",
    "rapidsms.contrib.echo",
    "rapidsms.contrib.default",  # must be last
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
# The same connection handling as Haki's: persistent, health-checked connections.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["BENCH_DB_NAME"],
        "USER": os.environ["BENCH_DB_USER"],
        "PASSWORD": os.environ["BENCH_DB_PASSWORD"],
        "HOST": os.environ["BENCH_DB_HOST"],
        "PORT": os.environ["BENCH_DB_PORT"],
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
}

INSTALLED_BACKENDS = {
    "kannel-backend": {
        "ENGINE": "rapidsms.backends.kannel.KannelBackend",
        "sendsms_url": os.environ["BENCH_SENDSMS_URL"],
        "sendsms_params": {"from": "20777", "username": "rapidsms", "password": "bench-pw"},
        "coding": 0,
        "charset": "ascii",
        "encode_errors": "ignore",
    },
}
# RapidSMS's own defaults, stated here: djappsettings loads app defaults lazily and not
# thread-safely, so the first concurrent requests of a process could miss them.
PROJECT_NAME = "RapidSMS"
DEFAULT_RESPONSE = "Sorry, %(project_name)s could not understand your message."
RAPIDSMS_HANDLERS = (
    "rapidsms.contrib.echo.handlers.echo.EchoHandler",
    "rapidsms.contrib.echo.handlers.ping.PingHandler",
)
# Warnings only: RapidSMS logs texts and numbers at DEBUG and INFO.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
'''
URLS = """from django.urls import include, path

urlpatterns = [path("", include("rapidsms.backends.kannel.urls"))]
"""
WSGI = """import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapidsms_site.settings")
application = get_wsgi_application()
"""


def build() -> None:
    """Create the virtualenv (once per set of requirements) and write the project."""
    stamp = VENV / ".requirements"
    wanted = "\n".join(REQUIREMENTS) + "\n"
    if not (stamp.exists() and stamp.read_text() == wanted):
        HOME.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
        subprocess.run(
            [str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True
        )
        subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", *REQUIREMENTS], check=True)
        stamp.write_text(wanted)
    package = SITE / "rapidsms_site"
    package.mkdir(parents=True, exist_ok=True)
    for name, text in {
        "__init__.py": "",
        "settings.py": SETTINGS,
        "urls.py": URLS,
        "wsgi.py": WSGI,
    }.items():
        (package / name).write_text(text)


def environment(database_url: str, sendsms_url: str) -> dict[str, str]:
    settings = connection_settings(database_url)
    return {
        "PATH": f"{VENV / 'bin'}:/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "rapidsms_site.settings",
        "BENCH_SENDSMS_URL": sendsms_url,
        **{f"BENCH_DB_{key}": value for key, value in settings.items()},
    }


@contextmanager
def running_rapidsms(server: str, sendsms_url: str, folder: Path) -> Iterator[Gunicorn]:
    """RapidSMS migrated into a fresh database on ``server`` and served by gunicorn."""
    build()
    with fresh_database(server, prefix="rapidsms") as database_url:
        env = environment(database_url, sendsms_url)
        subprocess.run(
            [str(PYTHON), "-m", "django", "migrate", "--no-input", "-v", "0"],
            cwd=SITE,
            env=env,
            check=True,
        )
        with Gunicorn(
            PYTHON, "rapidsms_site.wsgi:application", SITE, env, folder / "rapidsms.log", "/ready"
        ) as server_process:
            yield server_process


if __name__ == "__main__":
    build()
    print(f"RapidSMS reference ready in {HOME}")
