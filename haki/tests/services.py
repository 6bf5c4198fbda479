"""PostgreSQL and Redis for the tests that run Haki as in production.

Where either is not reachable those tests are skipped, so `make test` passes on a
fresh machine; in CI (``CI`` set) they fail instead, so they can never silently not
run. Each test gets a database and a Huey queue name of its own, removed afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


def only_on_postgresql(reason: str) -> pytest.MarkDecorator:
    """Run the test only when the suite runs on PostgreSQL (as CI runs it once)."""
    return pytest.mark.skipif(
        not os.environ.get("HAKI_TEST_DATABASE_URL", "").startswith("postgres"), reason=reason
    )


# The suite's SQLite database lives in memory, shared by a test's threads through table
# locks that fail at once instead of waiting (a file database, as `make run` uses,
# waits): a test in which two connections write at once runs on PostgreSQL alone.
writes_from_two_connections = only_on_postgresql(
    "two connections writing at once need a database that serves two connections"
)


def postgres_url() -> str:
    """A PostgreSQL server on which tests may create and drop databases."""
    suite = os.environ.get("HAKI_TEST_DATABASE_URL", "")
    return suite if suite.startswith("postgres") else DEFAULT_POSTGRES


def redis_url() -> str:
    return os.environ.get("HAKI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def postgres_problem(url: str) -> str | None:
    """Why the PostgreSQL server at ``url`` cannot be reached, or None."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3):
            pass
    except psycopg.OperationalError as exc:
        return f"PostgreSQL is not reachable at {url} ({exc})"
    return None


def redis_problem(url: str) -> str | None:
    """Why the Redis server at ``url`` cannot be reached, or None."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"Redis is not reachable at {url} ({exc})"
    finally:
        client.close()
    return None


def _unreachable() -> str | None:
    return postgres_problem(postgres_url()) or redis_problem(redis_url())


def missing(problem: str) -> None:
    """Skip the test for want of ``problem``'s service or tool; fail in CI."""
    if os.environ.get("CI"):
        pytest.fail(problem)
    pytest.skip(problem)


def require_postgres_and_redis() -> None:
    problem = _unreachable()
    if problem:
        missing(problem)


@contextmanager
def huey_name() -> Iterator[str]:
    """A Huey queue name of the test's own on the shared Redis, its keys deleted after."""
    import redis

    name = f"haki_test_{uuid.uuid4().hex[:12]}"
    try:
        yield name
    finally:
        client = redis.Redis.from_url(redis_url())
        for key in client.scan_iter(match=f"huey.*.{name}*"):
            client.delete(key)
