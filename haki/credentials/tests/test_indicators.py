"""The cards' indicators in the programme's catalogue, against a recount of the cards
the test issued, revoked and let expire."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from haki.credentials.models import Credential
from haki.credentials.tests.conftest import issue
from haki.reports.catalogue import Audience, Scope
from haki.reports.figures import by_key, compute

KEYS = ["credentials_issued", "credentials_in_force"]


def test_cards_issued_and_in_force_equal_a_recount(world):
    org, rng = world["a"].org, random.Random(9)
    today = timezone.now().astimezone(org.tzinfo).date()
    Credential.objects.filter(organisation=org).delete()  # only the cards made here
    made = []
    for n in range(14):
        role = rng.choice(Credential.Role.values)
        days = rng.choice([(-30, -1), (-10, 300), (5, 300), (-400, 0)])
        card = issue(org, holder=f"Holder {n}", role=role, days=days)
        revoked = rng.random() < 0.25
        if revoked:
            card.revoke()
        made.append((role, days, revoked))
    issue(world["b"].org, holder="Another organisation's worker")
    scope = Scope(org, today - datetime.timedelta(days=30), today)
    found = by_key(compute(scope, KEYS))
    in_force = [(r, d) for r, d, revoked in made if not revoked and d[0] <= 0 <= d[1]]
    assert found["credentials_issued"].value == len(made)
    assert found["credentials_in_force"].value == len(in_force) > 0
    roles = {c.label: c.value for c in found["credentials_in_force"].breakdown}
    for role, label in Credential.Role.choices:
        assert roles[str(label)] == sum(1 for r, _d in in_force if r == role)
    before = Scope(org, today - datetime.timedelta(days=60), today - datetime.timedelta(days=40))
    assert by_key(compute(before, KEYS))["credentials_issued"].value == 0


def test_outside_the_organisation_few_cards_are_withheld_and_no_area_is_guessed(world):
    org = world["a"].org
    today = timezone.now().astimezone(org.tzinfo).date()
    issue(org)
    outside = Scope(org, today, today, None, Audience.EXTERNAL)
    assert by_key(compute(outside, KEYS))["credentials_issued"].withheld
    inside_area = Scope(org, today, today, world["a"].central)
    assert by_key(compute(inside_area, KEYS))["credentials_issued"].value is None
