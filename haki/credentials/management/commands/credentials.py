"""``haki credentials public-key --org SLUG`` prints the organisation's published key
document; ``haki credentials verify TOKEN|URL [--keys FILE|URL]`` checks a card offline
against a key document: a file given with --keys, or fetched once from the card's site."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from django.core.management.base import BaseCommand, CommandError, CommandParser

from haki.core.models import Organisation
from haki.credentials import codes
from haki.credentials.publish import key_document
from haki.credentials.tokens import Status, read, verify_offline

MAX_DOCUMENT_BYTES = 1024 * 1024


class Command(BaseCommand):
    help = "Outreach-worker ID cards: print the public keys, or check a card offline."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        public = actions.add_parser("public-key", help="print the published key document")
        public.add_argument("--org", required=True, help="the organisation's slug")
        verify = actions.add_parser("verify", help="check a card's token or URL offline")
        verify.add_argument("card", help="the token, or the URL in the card's QR code")
        verify.add_argument(
            "--keys", help="the key document: a file, or the URL to fetch it from once"
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "public-key":
            org = Organisation.objects.filter(slug=options["org"], shredded_on__isnull=True)
            if not org.exists():
                raise CommandError(f"no organisation {options['org']!r}")
            self.stdout.write(json.dumps(key_document(org.get()), indent=1))
            return
        token, keys_url = split_card(options["card"])
        document = load_document(options["keys"] or keys_url, token)
        verdict = verify_offline(token, document)
        if verdict.status == Status.UNKNOWN:
            raise CommandError(
                "NOT RECOGNISED: the token is altered, forged, or not signed by a published key"
            )
        self.stdout.write(verdict.status.upper().replace("_", " "))
        self.stdout.write(f"code: {codes.display(verdict.code)}")
        self.stdout.write(f"organisation: {verdict.organisation}")
        self.stdout.write(f"role: {verdict.role.replace('_', ' ')}")
        self.stdout.write(f"valid from: {verdict.valid_from}")
        self.stdout.write(f"valid until: {verdict.valid_until}")
        self.stdout.write(f"revocations as of: {document.get('revocations_as_of', 'unknown')}")
        if verdict.status != Status.VALID:
            raise CommandError(f"the card is {verdict.status.replace('_', ' ')}", returncode=1)


def split_card(card: str) -> tuple[str, str | None]:
    """The token, and where its organisation publishes its keys when given a URL."""
    if "://" not in card:
        return card.strip(), None
    parts = urlsplit(card)
    path = parts.path.rstrip("/").split("/")
    if len(path) < 4 or path[-3] != "v":
        raise CommandError("this URL is not a card's verification address (…/v/ORG/TOKEN)")
    slug, token = path[-2], path[-1]
    return token, f"{parts.scheme}://{parts.netloc}/.well-known/haki/credentials/{slug}.json"


def load_document(source: str | None, token: str) -> dict[str, Any]:
    if source is None:
        return local_document(token)
    if "://" in source:
        try:
            response = requests.get(source, timeout=10, stream=True)
            response.raise_for_status()
            body = response.raw.read(MAX_DOCUMENT_BYTES + 1, decode_content=True)
        except requests.RequestException as error:
            raise CommandError(f"cannot fetch the key document: {error}") from None
    else:
        try:
            body = Path(source).read_bytes()[: MAX_DOCUMENT_BYTES + 1]
        except OSError as error:
            raise CommandError(f"cannot read the key document: {error.strerror}") from None
    if len(body) > MAX_DOCUMENT_BYTES:
        raise CommandError("the key document is larger than 1 MB")
    try:
        document = json.loads(body)
    except ValueError:
        raise CommandError("the key document is not JSON") from None
    if not isinstance(document, dict):
        raise CommandError("the key document is not a key document")
    return document


def local_document(token: str) -> dict[str, Any]:
    """The key document this installation publishes for the token's key."""
    from haki.credentials.models import SigningKey

    parsed = read(token)
    key = SigningKey.objects.filter(key_id=parsed[0].key_id).first() if parsed else None
    if key is None or key.organisation.shredded_on:
        raise CommandError(
            "NOT RECOGNISED: no published key signed this token (give the key file with --keys)"
        )
    return key_document(key.organisation)
