"""Serve a WSGI application with gunicorn as Haki's own web server runs: the same
number of processes and threads, so reference figures are comparable."""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from haki.tests.harness import free_port, wait_until

# As RunningHaki.start_web: two processes of four threads each.
WEB_PROCESSES = 2
THREADS = 4


class Gunicorn:
    def __init__(
        self,
        python: Path | str,
        application: str,
        cwd: Path,
        env: dict[str, str],
        log: Path,
        ready_path: str = "/",
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        handle = open(log, "ab")  # noqa: SIM115 - the process owns it until it stops
        self.process = subprocess.Popen(
            [
                str(python),
                "-m",
                "gunicorn",
                application,
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(WEB_PROCESSES),
                "--threads",
                str(THREADS),
                "--access-logfile",
                "/dev/null",
            ],
            cwd=cwd,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        wait_until(lambda: self._answers(ready_path), 60, what=f"gunicorn serving {application}")

    def _answers(self, path: str) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(self.log.read_text(errors="replace"))
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=2):  # noqa: S310 - loopback
                return True
        except urllib.error.HTTPError:
            return True  # any answer means it is serving
        except OSError:
            time.sleep(0.1)
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def __enter__(self) -> Gunicorn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
