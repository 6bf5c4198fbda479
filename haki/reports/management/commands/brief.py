from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from haki.core.models import AuditEvent
from haki.reports import brief, render
from haki.reports.commandline import add_language, day, speaking


class Command(BaseCommand):
    help = "Write the review-meeting brief of a period, as on the web page."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="The organisation's slug.")
        parser.add_argument("--from", dest="since", required=True, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="until", required=True, help="YYYY-MM-DD")
        parser.add_argument("--audience", choices=[a.value for a in brief.Audience], required=True)
        parser.add_argument("--format", dest="file_format", choices=render.FORMATS, default="html")
        parser.add_argument(
            "--output", type=Path, help="A file to write; standard output if absent."
        )
        add_language(parser)

    def handle(self, *args, org: str, since, until, audience, file_format, output, language, **o):
        with speaking(org, language) as organisation, timezone.override(organisation.tzinfo):
            since, until = day(since), day(until)
            if since > until:
                raise CommandError(_("The period must not end before it starts."))
            built = brief.build(organisation, since, until, brief.Audience(audience))
            body = render.render(built, file_format)
        if output:
            output.write_bytes(body)
        else:
            sys.stdout.buffer.write(body)
            sys.stdout.flush()
        AuditEvent.record("command line", AuditEvent.Action.EXPORT, None, organisation)
