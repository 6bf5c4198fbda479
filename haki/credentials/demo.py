"""A few fictional cards for the demo organisation: valid, endorsed, expired, revoked."""

from __future__ import annotations

import datetime

from django.utils import timezone

from haki.core.models import Organisation
from haki.credentials.models import Credential, Endorsement, Issuer

# (fictional holder, role, days from today to the start and to the end, revoked)
DEMO_CARDS = [
    ("Demo Paralegal Amani", "paralegal", -30, 335, False),
    ("Demo Peer Educator Baraka", "peer_educator", -60, 305, False),
    ("Demo Outreach Worker Chiku", "outreach_worker", -400, -35, False),
    ("Demo Paralegal Dalia", "paralegal", -90, 275, True),
]


def load_demo_cards(org: Organisation) -> list[Credential]:
    """Issue the demo cards once; returns them (none when they exist already)."""
    if Credential.objects.filter(organisation=org).exists():
        return []
    issuer = Issuer.for_organisation(org)
    issuer.public_name = "Kisumu Community Health Link"
    issuer.save(update_fields=["public_name", "modified_on"])
    today = timezone.now().astimezone(org.tzinfo).date()
    cards = []
    for holder, role, start, end, revoked in DEMO_CARDS:
        card = Credential.issue(
            org,
            holder=holder,
            role=role,
            valid_from=today + datetime.timedelta(days=start),
            valid_until=today + datetime.timedelta(days=end),
            created_by="demo",
        )
        if revoked:
            card.revoke()
        cards.append(card)
    Endorsement.objects.create(
        organisation=org,
        credential=cards[0],
        endorser="Kisumu Central Police Station focal point",
        recorded_by="demo",
    )
    return cards
