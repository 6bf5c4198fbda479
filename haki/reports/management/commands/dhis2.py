from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haki.core.models import AuditEvent, Organisation
from haki.reports import dhis2


class Command(BaseCommand):
    help = "Push a period's external figures to DHIS2: haki dhis2 push --org SLUG --period P."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["push"])
        parser.add_argument("--org", required=True, help="The organisation's slug.")
        parser.add_argument("--period", required=True, help="202611 (month) or 2026W48 (week).")
        parser.add_argument("--dry-run", action="store_true", help="DHIS2 checks, stores nothing.")

    def handle(self, *args, action: str, org: str, period: str, dry_run: bool, **o) -> None:
        organisation = Organisation.objects.filter(slug=org).first()
        if organisation is None:
            raise CommandError(f"no organisation with the slug {org!r}")
        try:
            result = dhis2.push(organisation, period, dry_run=dry_run)
        except dhis2.Dhis2Error as error:
            raise CommandError(f"DHIS2 push of {period} failed: {error}") from None
        finally:
            AuditEvent.record("command line", AuditEvent.Action.EXPORT, None, organisation)
        prefix = "dry run: " if dry_run else ""
        for line in result.lines():
            self.stdout.write(prefix + line)
        if result.conflicts:
            raise CommandError(f"DHIS2 reported {len(result.conflicts)} conflict(s)")
