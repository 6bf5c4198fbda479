"""The PostgreSQL server under test. Fresh databases for one benchmark run each come
from haki.tests.harness.fresh_database."""

from __future__ import annotations

import dj_database_url

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/test"


def connection_settings(url: str) -> dict[str, str]:
    """A database URL as the separate values Django's settings take."""
    config = dj_database_url.parse(url)
    return {key: str(config.get(key) or "") for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")}


def server_version(server: str) -> str:
    import psycopg

    with psycopg.connect(server) as connection:
        return str(connection.execute("SHOW server_version").fetchone()[0])
