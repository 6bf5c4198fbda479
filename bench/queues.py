"""The Redis database Haki's task queue uses during a benchmark, kept to itself."""

from __future__ import annotations

DEFAULT_URL = "redis://127.0.0.1:6379/13"


def empty_queue(url: str) -> None:
    """Drop every task and schedule left in the benchmark's own Redis database."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def server_version(url: str) -> str:
    import redis

    client = redis.Redis.from_url(url)
    try:
        return str(client.info("server")["redis_version"])
    finally:
        client.close()
