from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haki.core.models import AuditEvent
from haki.core.spreadsheets import csv_bytes
from haki.reports.catalogue import Audience
from haki.reports.commandline import add_language, day, speaking
from haki.reports.figures import Figure, ScopeError, compute, scope_for

CSV_COLUMNS = ["key", "value", "numerator", "denominator", "withheld", "by", "label"]


def as_json(head: dict[str, Any], figures: list[Figure]) -> str:
    return json.dumps({**head, "indicators": [f.as_dict() for f in figures]}, ensure_ascii=False)


def as_csv(figures: list[Figure]) -> str:
    """One row per indicator, then one per breakdown cell (with its ``by`` and label);
    a label a spreadsheet would read as a formula stays text (``csv_bytes``)."""
    rows: list[list[Any]] = []
    for f in figures:
        rows.append([f.key, f.value, f.numerator, f.denominator, f.withheld, "", ""])
        rows += [[f.key, c.value, "", "", c.withheld, c.by, c.label] for c in f.breakdown]
    return csv_bytes(CSV_COLUMNS, rows).decode("utf-8-sig")


class Command(BaseCommand):
    help = "Print the programme's indicators for a period (and area) as JSON or CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="The organisation's slug.")
        parser.add_argument("--from", dest="since", required=True, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="until", required=True, help="YYYY-MM-DD")
        parser.add_argument("--area", help="An area's code: it and every area below it.")
        parser.add_argument(
            "--audience", choices=[a.value for a in Audience], default=Audience.INTERNAL.value
        )
        parser.add_argument("--format", dest="file_format", choices=["json", "csv"], default="json")
        add_language(parser)

    def handle(self, *args, org, since, until, area, audience, file_format, language, **o) -> None:
        with speaking(org, language) as organisation:
            since, until = day(since), day(until)
            try:
                scope = scope_for(organisation, since, until, area, Audience(audience))
            except ScopeError as error:
                raise CommandError(str(error)) from None
            figures = compute(scope)
        head = {
            "organisation": organisation.slug,
            "from": since.isoformat(),
            "to": until.isoformat(),
            "area": area,
            "audience": audience,
        }
        sys.stdout.write(
            as_json(head, figures) + "\n" if file_format == "json" else as_csv(figures)
        )
        sys.stdout.flush()
        AuditEvent.record("command line", AuditEvent.Action.EXPORT, None, organisation)
