from __future__ import annotations

import os
import sys

from django.core.management.base import BaseCommand, CommandParser
from django.db import OperationalError, connections

from haki.processes import default_bind, gunicorn_command, require_migrated


class Command(BaseCommand):
    help = (
        "Run the web server (gunicorn) until stopped. Does not migrate: run `haki migrate` "
        "first. Honours HAKI_HOST and PORT when --bind is not given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=None, help="HOST:PORT (default 127.0.0.1:8000)")
        parser.add_argument("--workers", type=int, default=2, help="Web server processes.")
        parser.add_argument("--threads", type=int, default=4, help="Threads per process.")

    def handle(self, *args, bind: str | None, workers: int, threads: int, **options) -> None:
        from haki.messaging import directory

        try:
            require_migrated()
            directory.refresh()
        except OperationalError as exc:
            # Started during an outage: gateways' texts are spooled meanwhile, their
            # channels found in the channel directory.
            self.stderr.write(
                f"the database is unreachable ({type(exc).__name__}); starting anyway: "
                "incoming texts are spooled until it is back"
            )
        connections.close_all()
        command = gunicorn_command(bind or default_bind(), workers, threads)
        sys.stdout.flush()
        sys.stderr.flush()
        # gunicorn takes this process's place, so a service manager's signals reach it.
        os.execv(command[0], command)  # noqa: S606 - our own interpreter, fixed arguments
