from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haki.cases.importer import ImportRejected, import_cases
from haki.core.models import AuditEvent, Organisation


class Command(BaseCommand):
    help = (
        "Import historical cases from a CSV or XLSX file with the columns date, area, place, "
        "violations, perpetrator, unit, actions, outcome, consent_reports, consent_police, "
        "narrative. Nothing is imported unless every row is valid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="The organisation's slug.")
        parser.add_argument("file", type=Path)

    def handle(self, *args, org: str, file: Path, **options) -> None:
        organisation = Organisation.objects.filter(slug=org).first()
        if organisation is None:
            raise CommandError(f"no organisation with the slug {org!r}")
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from None
        try:
            count = import_cases(organisation, file.name, data)
        except ImportRejected as rejected:
            for problem in rejected.problems:
                self.stderr.write(f"{file.name}: {problem}")
            raise CommandError(
                f"nothing imported: {len(rejected.problems)} problem(s) in {file.name}"
            ) from None
        AuditEvent.record("command line", AuditEvent.Action.CREATE, None, organisation)
        self.stdout.write(f"imported {count} case(s) into {organisation.slug}")
