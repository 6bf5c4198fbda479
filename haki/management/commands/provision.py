from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haki import provisioning
from haki.provisioning.files import line_of


class Command(BaseCommand):
    help = "Create or update an organisation from a YAML file (idempotent, all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--check", action="store_true", help="List what would change; write nothing."
        )

    def handle(self, *args, file: Path, check: bool, **options) -> None:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not UTF-8 text"
            raise CommandError(f"{file}: {reason}") from None
        try:
            spec, node = provisioning.load_with_lines(text)
        except provisioning.ProvisioningError as exc:
            lines = "\n".join(f"{file}: {problem}" for problem in exc.problems)
            raise CommandError(f"nothing was written; fix these first:\n{lines}") from None
        if not check:
            org, changes = provisioning.apply(spec)
            self.stdout.write(f"{org.slug}: {changes}")
            return
        org, changes = provisioning.dry_run(spec)
        for change in changes.items:
            line = line_of(node, change.where())
            self.stdout.write(f"{file}: line {line}: {change.describe()}")
        self.stdout.write(f"{file}: valid; {org.slug} would have {changes}; nothing was written")
