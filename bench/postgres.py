"""The PostgreSQL server under test. Fresh databases for one benchmark run each come
from haki.tests.harness.fresh_database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import dj_database_url

from haki.tests.harness import ROOT, fresh_database
from haki.tests.services import postgres_problem

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/test"


def connection_settings(url: str) -> dict[str, str]:
    """A database URL as the separate values Django's settings take."""
    config = dj_database_url.parse(url)
    return {key: str(config.get(key) or "") for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")}


def server_version(server: str) -> str:
    import psycopg

    with psycopg.connect(server) as connection:
        return str(connection.execute("SHOW server_version").fetchone()[0])


def measured_in_child(database: str, name: str, arguments: list[str]) -> dict[str, float]:
    """The figures ``python -m bench.<name> --inside <arguments>`` prints, run in a
    process of its own on ``database``: "sqlite" (a file in a temporary folder), or a
    PostgreSQL server URL on which a fresh database is made for the run and dropped
    afterwards."""

    def run(url: str) -> dict[str, float]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "haki.settings.test",
            "HAKI_TEST_DATABASE_URL": url,
        }
        done = subprocess.run(
            [sys.executable, "-m", f"bench.{name}", "--inside", *arguments],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
        return json.loads(done.stdout.strip().splitlines()[-1])

    with tempfile.TemporaryDirectory() as folder:
        if database.startswith("postgres"):
            with fresh_database(database, prefix=f"haki_bench_{name}") as url:
                return run(url)
        return run(f"sqlite:///{Path(folder) / f'{name}.sqlite3'}")


def measured_on_each(
    chosen: str | None, measure: Callable[[str], dict[str, float]]
) -> dict[str, dict[str, float]]:
    """``measure`` on the ``chosen`` database, or on SQLite and on the default
    PostgreSQL server (skipped with a note when it is not reachable), by engine name."""
    databases = [chosen] if chosen else ["sqlite", DEFAULT_SERVER]
    results: dict[str, dict[str, float]] = {}
    for database in databases:
        name = "sqlite" if database == "sqlite" else "postgresql"
        if name == "postgresql" and not chosen and postgres_problem(database):
            print(f"PostgreSQL is not reachable at {database}: skipped", file=sys.stderr)
            continue
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        results[name] = measure(database)
    return results
