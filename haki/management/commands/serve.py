from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from haki.processes import haki_command


class Command(BaseCommand):
    help = (
        "Migrate, then run the web server and one background worker (with the scheduler) "
        "until stopped: everything on one machine. In production run `haki web` and "
        "`haki worker` as services instead (docs/deploy.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HAKI_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=2,
            help="Background worker threads.",
        )
        parser.add_argument("--web-workers", type=int, default=2, help="Web server processes.")

    def handle(self, *args, host: str, port: int, workers: int, web_workers: int, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        env = child_environment(host, port)
        processes = {
            "web": subprocess.Popen(
                haki_command(
                    "web",
                    "--bind",
                    f"{host}:{port}",
                    "--workers",
                    str(web_workers),
                ),
                env=env,
            ),
            "worker": subprocess.Popen(
                haki_command("worker", "--threads", str(workers), "--scheduler"), env=env
            ),
        }
        self.stdout.write(f"Haki is running at http://{host}:{port}/ (Ctrl+C stops it)")
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        exit_code = 0
        while not stopping:
            for name, process in processes.items():
                if process.poll() is not None:
                    self.stderr.write(f"the {name} process stopped (exit {process.returncode})")
                    exit_code, stopping = process.returncode or 1, True
            time.sleep(0.5)
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        if exit_code:
            sys.exit(exit_code)


def child_environment(host: str, port: int) -> dict[str, str]:
    """The web server's and worker's environment: gateways report deliveries to the
    port served here (``--port`` or PORT) unless HAKI_CALLBACK_BASE_URL says otherwise."""
    reachable = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
    env = dict(os.environ)
    env.setdefault("HAKI_CALLBACK_BASE_URL", f"http://{reachable}:{port}")
    return env
