import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haki.core import audit, crypto
from haki.core.models import AuditEvent


class Command(BaseCommand):
    help = (
        "The audit trail: `anchor` prints a checkpoint of every chain (one JSON line each) "
        "to store away from the database; `verify [--anchor FILE]` checks every chain and, "
        "given an anchor, that no chain was cut or rewritten up to it (exit status 1 if so)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("anchor", help="print a checkpoint of every chain")
        verify = actions.add_parser("verify", help="check every chain")
        verify.add_argument("--anchor", type=Path, help="a file printed by `haki audit anchor`")

    def handle(self, *args, action: str, anchor: Path | None = None, **options) -> None:
        if action == "anchor":
            for line in audit.anchors():
                self.stdout.write(json.dumps(line, separators=(",", ":")))
            return
        verify(self.stdout, anchor)


def verify(stdout, anchor_file: Path | None) -> None:
    """Shared with `haki verify_audit`, its older name."""
    try:
        anchor = audit.parse_anchor(anchor_file.read_text()) if anchor_file else None
        problems = audit.verify(anchor)
    except (OSError, ValueError, crypto.KeysUnavailable) as exc:
        raise CommandError(str(exc)) from None
    if problems:
        raise CommandError("audit trail broken: " + "; ".join(problems))
    count = AuditEvent.objects.count()
    checked = f", {len(anchor)} anchored chains extended" if anchor else ""
    stdout.write(f"audit trail intact: {count} records{checked}")
