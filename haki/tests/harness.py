"""Haki as it runs for real: a web server and background workers as separate
processes, on a database of their own (a SQLite file, or a fresh PostgreSQL database
when the suite runs on PostgreSQL), so tests can kill and restart them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.fernet import Fernet

from haki.processes import gunicorn_command, haki_command

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def connection_kept() -> Iterator[None]:
    """Haki's WSGI application called in process sends request_started and
    request_finished (its gateway front calls their ``close_old_connections`` itself),
    whose clean-up would close the test's own database connection (PostgreSQL); a
    server does that between requests, Django's test client does not."""
    from unittest import mock

    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with mock.patch("haki.messaging.front.close_old_connections"):
            yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def queue_notices(slug: str, count: int) -> str:
    """Code for ``RunningHaki.shell``: organisation ``slug`` queues ``count`` notices to
    fictional numbers in one transaction, as a broadcast does."""
    return f"""
from django.db import transaction
from haki.core.models import Organisation
from haki.messaging import outbox
org = Organisation.objects.get(slug={slug!r})
with transaction.atomic():
    for i in range({count}):
        outbox.queue(org, "+2541906%05d" % i, "notice %d" % i)
"""


def database_url(server: str, name: str) -> str:
    """``server``'s URL, naming the database ``name`` instead."""
    return server.rsplit("/", 1)[0] + f"/{name}"


def create_database(server: str, prefix: str) -> str:
    """An empty database of a new name on the PostgreSQL ``server``; returns the name."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_database(server: str, prefix: str) -> Iterator[str]:
    """Create an empty database on ``server``, yield its URL, drop it afterwards."""
    name = create_database(server, prefix)
    try:
        yield database_url(server, name)
    finally:
        drop_database(server, name)


class RunningHaki:
    def __init__(self, folder: Path, database: str | None = None, **env: str):
        """``database``: a PostgreSQL server URL to create a fresh database on, or
        "sqlite"; by default the suite's own choice (HAKI_TEST_DATABASE_URL)."""
        self.folder = folder
        self._database = database
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}
        self._pg_name: str | None = None
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "haki.settings.dev",
            "HAKI_DATABASE_URL": self._database_url(),
            "HAKI_HUEY_URL": env.pop("HAKI_HUEY_URL", f"sqlite:///{folder / 'huey.sqlite3'}"),
            "HAKI_MASTER_KEY": Fernet.generate_key().decode(),
            "HAKI_SECRET_KEY": "harness-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "HAKI_VAR_DIR": str(folder / "var"),
            "HAKI_SPOOL_DIR": str(folder / "spool"),
            "HAKI_CALLBACK_BASE_URL": self.url,
            "HAKI_LOG_LEVEL": "INFO",
            **env,
        }

    def _database_url(self) -> str:
        base = self._database or os.environ.get("HAKI_TEST_DATABASE_URL", "")
        self._pg_server = base
        if not base.startswith("postgres"):
            return f"sqlite:///{self.folder / 'haki.sqlite3'}"
        self._pg_name = create_database(base, "haki_run")
        return database_url(base, self._pg_name)

    def haki(self, *args: str, timeout: float = 180) -> str:
        done = subprocess.run(
            haki_command(*args),
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"haki {args[0]} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def shell(self, code: str) -> str:
        """Run Python inside Haki (its settings and database); returns what it prints."""
        return self.haki("shell", "--no-imports", "-v", "0", "-c", code)

    def provision(self, yaml_text: str) -> None:
        spec = self.folder / "organisation.yaml"
        spec.write_text(yaml_text)
        self.haki("migrate", "--no-input")
        self.haki("provision", str(spec))

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = self.folder / f"{name}.log"
        handle = open(log, "ab")  # noqa: SIM115 - the process owns it until it stops
        process = subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT
        )
        self.processes[name], self.logs[name] = process, log
        return process

    def start_web(self, workers: int = 2) -> None:
        self.haki("collectstatic", "--no-input", "-v", "0")  # as `haki serve` does
        bind = f"127.0.0.1:{self.port}"
        self._start("web", gunicorn_command(bind, workers, threads=4, access_log="/dev/null"))

        def healthy() -> bool:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:
                    return answer.status == 200
            except OSError:
                assert self.processes["web"].poll() is None, self.log("web")
                return False

        wait_until(healthy, 60, what="the web server")

    def start_worker(
        self, name: str = "worker", threads: int = 2, scheduler: bool | None = None
    ) -> subprocess.Popen:
        """``scheduler``: start `haki worker` with or without the periodic tasks, as in
        production; by default `haki run_huey`, which runs them."""
        if scheduler is not None:
            role = "--scheduler" if scheduler else "--no-scheduler"
            return self._start(name, haki_command("worker", "--threads", str(threads), role))
        return self._start(
            name, haki_command("run_huey", "--workers", str(threads), "--worker-type", "thread")
        )

    def kill(self, name: str) -> None:
        """SIGKILL: no clean-up, as when a machine loses power."""
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def log(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace") if name in self.logs else ""

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()
        if self._pg_name:
            drop_database(self._pg_server, self._pg_name)

    def __enter__(self) -> RunningHaki:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
