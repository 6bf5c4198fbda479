from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from haki.core.models import AuditEvent
from haki.reports import dhis2
from haki.reports.commandline import add_language, speaking


class Command(BaseCommand):
    help = "Push a period's external figures to DHIS2: haki dhis2 push --org SLUG --period P."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["push"])
        parser.add_argument("--org", required=True, help="The organisation's slug.")
        parser.add_argument("--period", required=True, help="202611 (month) or 2026W48 (week).")
        parser.add_argument("--dry-run", action="store_true", help="DHIS2 checks, stores nothing.")
        add_language(parser)

    def handle(self, *args, action: str, org: str, period: str, dry_run: bool, language, **o):
        with speaking(org, language) as organisation:
            self.push(organisation, period, dry_run)

    def push(self, organisation, period: str, dry_run: bool) -> None:
        try:
            result = dhis2.push(organisation, period, dry_run=dry_run)
        except dhis2.Dhis2Error as error:
            raise CommandError(
                _("DHIS2 push of %(period)s failed: %(error)s") % {"period": period, "error": error}
            ) from None
        finally:
            AuditEvent.record("command line", AuditEvent.Action.EXPORT, None, organisation)
        for line in result.lines():
            self.stdout.write(_("dry run: %(line)s") % {"line": line} if dry_run else line)
        if result.conflicts:
            raise CommandError(
                _("DHIS2 reported %(count)s conflict(s)") % {"count": len(result.conflicts)}
            )
