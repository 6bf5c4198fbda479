"""Haki's two kinds of process, shared by `haki web`, `haki worker` and `haki serve`.

In production each runs on its own (one systemd unit per role); `haki serve` starts one
of each for a single machine. Neither migrates: migrating is a deploy step (`haki
migrate`), run once, so that several processes starting together never race to change
the schema. Both refuse to start on a database that is not up to date."""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Callable

from django.core.management.base import CommandError

# Paths only: query strings may carry search words, which stay out of the logs. The
# logger class redacts what is left (a gateway path's channel UUID, phone numbers).
ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'

# Seconds a stopping worker gives the tasks it is running to finish (a send, an
# escalation) before it exits anyway; systemd's stop timeout must be longer.
WORKER_SHUTDOWN_SECONDS = 20


def default_bind() -> str:
    host = os.environ.get("HAKI_HOST") or "127.0.0.1"
    return f"{host}:{os.environ.get('PORT') or '8000'}"


def gunicorn_command(bind: str, workers: int, threads: int, access_log: str = "-") -> list[str]:
    """``access_log``: where gunicorn writes a line per request (``-``: standard output)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "haki.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--access-logfile",
        access_log,
        "--access-logformat",
        ACCESS_LOG_FORMAT,
        "--logger-class",
        "haki.core.access_log.RedactingLogger",
        # Unused, and by default one socket in the home folder for every instance.
        "--no-control-socket",
    ]


def haki_command(*args: str) -> list[str]:
    """A `haki` subcommand run by this same Python."""
    return [sys.executable, "-m", "haki.cli", *args]


def pending_migrations() -> list[str]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def require_migrated() -> None:
    """Refuses to start on a database that is not up to date, or that holds what the
    settings forbid (a phone simulator's channel outside the demo)."""
    from haki.messaging.checks import no_simulated_channels

    pending = pending_migrations()
    if pending:
        raise CommandError(
            f"the database is not up to date ({len(pending)} migrations pending, the first "
            f"{pending[0]}); run `haki migrate` once, then start this again"
        )
    for problem in no_simulated_channels():
        raise CommandError(f"{problem.msg} {problem.hint}")


def once_per_process(hook: Callable[[], None]) -> Callable[[], None]:
    """For Huey start-up hooks, which Huey calls in every worker thread: a worker's
    catch-up is done once when the process starts, by the first thread to get here."""
    lock = threading.Lock()
    started = False

    @functools.wraps(hook)
    def first_call_only() -> None:
        nonlocal started
        with lock:
            if started:
                return
            started = True
        hook()

    return first_call_only
