from __future__ import annotations

import argparse

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from haki.processes import WORKER_SHUTDOWN_SECONDS, require_migrated


class Command(BaseCommand):
    help = (
        "Run one background worker process (a Huey consumer) until stopped. Any number "
        "may run; exactly one of them must run with --scheduler, which adds the "
        "every-minute work (sweeps for lost prompts and passed deadlines, duty rosters, "
        "polls). SIGTERM lets running tasks finish first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--threads", type=int, default=4, help="Worker threads.")
        parser.add_argument(
            "--scheduler",
            action=argparse.BooleanOptionalAction,
            required=True,
            help="Run the periodic tasks here (exactly one worker of a deployment).",
        )

    def handle(self, *args, threads: int, scheduler: bool, **options) -> None:
        require_migrated()
        call_command(
            "run_huey",
            workers=threads,
            worker_type="thread",
            periodic=scheduler,
            graceful_signal="TERM",
            shutdown_timeout=WORKER_SHUTDOWN_SECONDS,
        )
