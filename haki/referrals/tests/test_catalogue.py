"""The referral indicators the programme's catalogue lists, against a recount over the
records the test made: inside the organisation every referral, outside only those of
members who agreed to police and partner use, and no police referral."""

from __future__ import annotations

import datetime
import random
import statistics
from dataclasses import dataclass

import pytest
from django.utils import timezone

from haki.referrals.models import Entitlement, EntitlementApplication, Referral
from haki.reports.catalogue import Audience, Scope, get
from haki.reports.figures import by_key, compute

REFERRALS = [
    "referrals_made",
    "referrals_completed_pct",
    "referrals_attended_within_7_days",
    "referrals_attended_within_30_days",
    "referrals_median_days",
    "police_referrals_completed",
    "entitlements_applied",
    "entitlements_granted",
    "entitlements_median_days",
]
DAY = datetime.timedelta(days=1)


@dataclass
class Made:
    person: str | None  # None: a police referral (REFER code), no member
    requested: datetime.datetime
    took_days: float | None  # None: not attended
    area: str


def made(network, services, rng: random.Random) -> list[Made]:
    now = timezone.now()
    found = []
    for _ in range(60):
        person = rng.choice(["rose", "lily", "vera", "iris", None])
        service = rng.choice(list(services.values()))
        requested = now - datetime.timedelta(days=rng.randrange(0, 80), hours=rng.randrange(24))
        referral = Referral.make(
            network.org,
            service,
            member=network.members.get(person),
            referrer_type=Referral.Referrer.POLICE if person is None else Referral.Referrer.STAFF,
            requested_on=requested,
        )
        took = rng.choice([None, None, 0.5, 3, 6.9, 7.2, 12, 29.5, 31, 44])
        if took is not None and requested + datetime.timedelta(days=took) > now:
            took = None
        if took is not None:
            Referral.objects.filter(pk=referral.pk).update(
                status=Referral.Status.COMPLETED,
                completed_on=requested + datetime.timedelta(days=took),
            )
        area = network.members[person].area if person else service.area
        found.append(Made(person, requested, took, area.code))
    return found


def applications(network, rng: random.Random) -> list[tuple[str, str, float | None, str]]:
    """(person, kind, days to grant or None, area) for applications submitted today."""
    found = []
    for _ in range(12):
        person = rng.choice(["rose", "lily", "vera", "iris"])
        kind = rng.choice(list(Entitlement.values))
        application = EntitlementApplication.objects.create(
            organisation=network.org, member=network.members[person], kind=kind
        )
        application.change_status("submitted", "test")
        days = rng.choice([None, 3, 10, 25])
        if days is not None:
            application.change_status("granted", "test")
            EntitlementApplication.objects.filter(pk=application.pk).update(
                created_on=application.decided_on - datetime.timedelta(days=days)
            )
        found.append((person, kind, days, network.members[person].area.code))
    return found


def recount(records: list[Made], apps, start, end, external: bool, inside: set[str]) -> dict:
    consenting = {"lily"}  # the network's one member who agreed to police use
    rows = [
        r
        for r in records
        if start <= r.requested < end
        and r.area in inside
        and (not external or r.person in consenting)
    ]
    done = [r.took_days for r in rows if r.took_days is not None]
    police = [
        r
        for r in records
        if r.person is None
        and r.took_days is not None
        and start <= r.requested + datetime.timedelta(days=r.took_days) < end
        and r.area in inside
    ]
    apps = [a for a in apps if a[3] in inside and (not external or a[0] in consenting)]
    granted = [days for _p, _k, days, _a in apps if days is not None]
    return {
        "referrals_made": len(rows),
        "referrals_completed_pct": (len(done), len(rows)),
        "referrals_attended_within_7_days": sum(1 for d in done if d <= 7),
        "referrals_attended_within_30_days": sum(1 for d in done if d <= 30),
        "referrals_median_days": round(statistics.median(done), 1) if done else None,
        "police_referrals_completed": 0 if external else len(police),
        "entitlements_applied": len(apps),
        "entitlements_granted": len(granted),
        "entitlements_median_days": round(statistics.median(granted), 1) if granted else None,
    }


def raw_values(scope: Scope) -> dict:
    found = {}
    for key in REFERRALS:
        indicator = get(key)
        raw = indicator.compute(scope)
        if indicator.kind == "share":
            found[key] = (raw.numerator, raw.denominator)
        elif indicator.kind == "median":
            found[key] = raw.value
        else:
            found[key] = raw.numerator
    return found


@pytest.mark.parametrize("audience", list(Audience))
@pytest.mark.parametrize("area", [None, "central"])
def test_each_referral_indicator_equals_a_recount(network, services, audience, area):
    rng = random.Random(5)
    records = made(network, services, rng)
    apps = applications(network, rng)
    today = timezone.localdate(timezone=network.org.tzinfo)
    place = network.areas[area] if area else None
    scope = Scope(network.org, today - 60 * DAY, today, place, audience)
    inside = {a.code for a in network.areas.values()} if area is None else {place.code}
    expected = recount(records, apps, scope.start, scope.end, scope.external, inside)
    assert raw_values(scope) == expected
    assert expected["referrals_made"] > 0


def test_the_referrals_by_kind_add_up_and_leave_only_above_k(network, services):
    records = made(network, services, random.Random(8))
    today = timezone.localdate(timezone=network.org.tzinfo)
    scope = Scope(network.org, today - 90 * DAY, today)
    figure = by_key(compute(scope, ["referrals_made"]))["referrals_made"]
    assert figure.value == len(records)
    assert sum(c.value for c in figure.breakdown) == figure.value
    outside = Scope(network.org, today - 90 * DAY, today, audience=Audience.EXTERNAL)
    shown = by_key(compute(outside, REFERRALS))
    k = max(network.org.suppression_k, 5)
    for figure in shown.values():
        counts = [figure.value] + [c.value for c in figure.breakdown]
        assert not [
            n for n in counts if n is not None and 0 < n < k and figure.indicator.kind == "count"
        ]
    assert shown["police_referrals_completed"].value in (0, None)
