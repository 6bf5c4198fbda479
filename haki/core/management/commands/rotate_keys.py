from django.core.management.base import BaseCommand, CommandError, CommandParser

from haki.core import audit, authenticators, keys
from haki.core.models import Organisation


class Command(BaseCommand):
    help = (
        "Give an organisation (or all) a new data key and a new index key, re-encrypt and "
        "re-index its data with them, re-wrap every key with the first master key in "
        "HAKI_MASTER_KEY, re-encrypt staff's authenticator seeds with it, and re-chain the "
        "audit trail under it. To retire a master key: put the new key first, keep the old "
        "one second, run this with --all, then remove the old one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--org", dest="slug")
        target.add_argument("--all", action="store_true")

    def handle(self, *args, slug: str | None, all: bool, **options) -> None:
        organisations = Organisation.objects.filter(shredded_on__isnull=True)
        if slug:
            organisations = organisations.filter(slug=slug)
            if not organisations.exists():
                raise CommandError(f"no organisation {slug!r} with keys")
        # First, so that a broken trail stops the command before anything changes.
        try:
            rechained = audit.rechain_to_primary()
        except audit.AuditBroken as exc:
            raise CommandError(
                f"audit trail broken ({exc}); it is not re-chained under the new master "
                "key, which would hide the change, and no key was rotated"
            ) from None
        if rechained:
            self.stdout.write(
                f"audit trail: {len(rechained)} chains re-chained under the first master "
                "key; store a new anchor (`haki audit anchor`)"
            )
        for org in organisations:
            count = keys.rotate(org)
            self.stdout.write(f"{org.slug}: new data and index keys, {count} values re-encrypted")
        # Staff span organisations: their seeds are sealed with the master key itself.
        seeds = authenticators.reseal_all()
        self.stdout.write(f"staff authenticators: {seeds} seeds re-encrypted")
