"""The PostgreSQL server under test. Fresh databases for one benchmark run each come
from haki.tests.harness.fresh_database."""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/test"


def reachable(server: str) -> bool:
    import psycopg

    try:
        psycopg.connect(server, connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


def connection_settings(url: str) -> dict[str, str]:
    """A database URL as the separate values Django's settings take."""
    parts = urlsplit(url)
    return {
        "NAME": parts.path.lstrip("/"),
        "USER": parts.username or "",
        "PASSWORD": parts.password or "",
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }


def server_version(server: str) -> str:
    import psycopg

    with psycopg.connect(server) as connection:
        return str(connection.execute("SHOW server_version").fetchone()[0])
