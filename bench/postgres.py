"""Fresh PostgreSQL databases for one benchmark run each, on the server under test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/test"


def reachable(server: str) -> bool:
    import psycopg

    try:
        psycopg.connect(server, connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


def with_name(server: str, name: str) -> str:
    return server.rsplit("/", 1)[0] + f"/{name}"


@contextmanager
def fresh_database(server: str, prefix: str = "bench") -> Iterator[str]:
    """Create an empty database on ``server``, yield its URL, drop it afterwards."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_name(server, name)
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
