from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

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
        self.migrate_first(check)
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

    def migrate_first(self, check: bool) -> None:
        """A database never migrated (a fresh install) is set up first, as ``haki serve``
        does, rather than failing on a missing table; ``--check`` writes nothing, so it
        says what to run instead."""
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending and check:
            raise CommandError(
                f"the database is not set up ({len(pending)} migrations to apply): "
                "run `haki migrate` first, then this command again"
            )
        if pending:
            self.stdout.write(f"setting up the database first ({len(pending)} migrations)")
            call_command("migrate", interactive=False, verbosity=0)
