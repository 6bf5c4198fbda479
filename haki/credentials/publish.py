"""What an organisation publishes for anyone to check its cards offline: its public
keys and the codes it revoked, with the time the list was made."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from haki.core.models import Organisation
from haki.credentials.models import Credential, Issuer, SigningKey
from haki.credentials.tokens import DOCUMENT_FORMAT, ROLES


def key_document(organisation: Organisation) -> dict[str, Any]:
    now = timezone.now()
    today = now.astimezone(organisation.tzinfo).date()
    issuer = Issuer.for_organisation(organisation)
    keys = SigningKey.objects.filter(organisation=organisation).order_by("created_on", "pk")
    # A revoked card past its end date answers "expired" anyway; the list stays short.
    revoked = Credential.objects.filter(
        organisation=organisation,
        revoked_on__isnull=False,
        valid_until__gte=today - datetime.timedelta(days=1),
    ).order_by("code")
    return {
        "format": DOCUMENT_FORMAT,
        "organisation": organisation.slug,
        "name": issuer.public_name,
        "time_zone": organisation.timezone,
        "roles": list(ROLES),
        "keys": [
            {
                "id": key.key_id,
                "algorithm": "Ed25519",
                "public_key": key.public_key,
                "created": key.created_on.astimezone(datetime.UTC).isoformat(),
            }
            for key in keys
        ],
        "revoked": list(revoked.values_list("code", flat=True)),
        "revocations_as_of": now.astimezone(datetime.UTC).isoformat(),
    }
