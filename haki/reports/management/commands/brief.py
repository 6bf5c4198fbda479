from __future__ import annotations

import datetime
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation

from haki.core.models import AuditEvent, Organisation
from haki.reports import brief, render


def day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Write the review-meeting brief of a period, as on the web page."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="The organisation's slug.")
        parser.add_argument("--from", dest="since", required=True, type=day)
        parser.add_argument("--to", dest="until", required=True, type=day)
        parser.add_argument("--audience", choices=[a.value for a in brief.Audience], required=True)
        parser.add_argument("--format", dest="file_format", choices=render.FORMATS, default="html")
        parser.add_argument(
            "--output", type=Path, help="A file to write; standard output if absent."
        )
        parser.add_argument(
            "--language", help="Language of the brief (default: the organisation's)."
        )

    def handle(self, *args, org: str, since, until, audience, file_format, output, language, **o):
        organisation = Organisation.objects.filter(slug=org).first()
        if organisation is None:
            raise CommandError(f"no organisation with the slug {org!r}")
        if since > until:
            raise CommandError("--from must not be after --to")
        with (
            translation.override(language or organisation.default_language),
            timezone.override(organisation.tzinfo),
        ):
            built = brief.build(organisation, since, until, brief.Audience(audience))
            body = render.render(built, file_format)
        if output:
            output.write_bytes(body)
        else:
            sys.stdout.buffer.write(body)
            sys.stdout.flush()
        AuditEvent.record("command line", AuditEvent.Action.EXPORT, None, organisation)
