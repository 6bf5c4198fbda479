from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haki import provisioning


class Command(BaseCommand):
    help = "Create or update an organisation from a YAML file (idempotent, all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--check", action="store_true", help="Validate only; write nothing.")

    def handle(self, *args, file: Path, check: bool, **options) -> None:
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from None
        try:
            spec = provisioning.load(text)
        except provisioning.ProvisioningError as exc:
            lines = "\n".join(f"{file}: {problem}" for problem in exc.problems)
            raise CommandError(f"nothing was written; fix these first:\n{lines}") from None
        if check:
            self.stdout.write(f"{file}: valid")
            return
        org, summary = provisioning.apply(spec)
        self.stdout.write(f"{org.slug}: {summary}")
