from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haki.core.importing import ImportRejected, importers, run_import
from haki.core.models import Organisation


class Command(BaseCommand):
    help = (
        "Import records of one kind from a CSV or XLSX file: every row, or none. "
        "Kinds: see --help; each problem is named by row and column."
    )
    actor = "command line"

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = importers()
        parser.add_argument(
            "kind",
            choices=sorted(kinds),
            help="; ".join(f"{k}: {i.columns and ', '.join(i.columns)}" for k, i in kinds.items()),
        )
        parser.add_argument("--org", required=True, help="The organisation's slug.")
        parser.add_argument("file", type=Path)

    def handle(self, *args, kind: str, org: str, file: Path, **options) -> None:
        organisation = Organisation.objects.filter(slug=org).first()
        if organisation is None:
            raise CommandError(f"no organisation with the slug {org!r}")
        try:
            handle = file.open("rb")
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from None
        try:
            with handle:
                count = run_import(kind, organisation, handle, file.name, self.actor)
        except ImportRejected as rejected:
            for problem in rejected.problems:
                self.stderr.write(f"{file.name}: {problem}")
            raise CommandError(
                f"nothing imported: {len(rejected.problems)} problem(s) in {file.name}"
            ) from None
        self.stdout.write(f"imported {count} {kind} into {organisation.slug}")
