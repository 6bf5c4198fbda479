from django.core.management.base import BaseCommand, CommandError, CommandParser

from haki.core import keys
from haki.core.models import Organisation


class Command(BaseCommand):
    help = (
        "IRREVERSIBLE: destroy an organisation's keys so that every encrypted value it "
        "holds (numbers, names, codewords, narratives, secrets) can never be read again, "
        "from this database or any backup of it. Counts and aliases remain."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument(
            "--yes-destroy-all-personal-data", dest="confirmed", action="store_true"
        )

    def handle(self, *args, slug: str, confirmed: bool, **options) -> None:
        org = Organisation.objects.filter(slug=slug).first()
        if org is None:
            raise CommandError(f"no organisation {slug!r}")
        if not confirmed:
            raise CommandError(
                "this cannot be undone; repeat with --yes-destroy-all-personal-data to proceed"
            )
        keys.shred(org)
        keys.checkpoint_sqlite()
        self.stdout.write(f"{slug}: keys destroyed; its encrypted data is now unreadable")
