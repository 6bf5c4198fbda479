from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from haki.core.management.commands.audit import verify


class Command(BaseCommand):
    help = (
        "Check that no audit record was edited or deleted; `haki audit verify` by its older name."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--anchor", type=Path, help="a file printed by `haki audit anchor`")

    def handle(self, *args, anchor: Path | None = None, **options) -> None:
        verify(self.stdout, anchor)
