"""The partnership's indicators as the programme's catalogue gives them, against
counting officer by officer over the postings and trainings the test made."""

from __future__ import annotations

import datetime
import random

from haki.partnership.models import Ally
from haki.partnership.tests.factories import attend, officer, training
from haki.partnership.tests.test_coverage import START, by_hand, place  # noqa: F401
from haki.reports.catalogue import Audience, Scope
from haki.reports.figures import by_key, compute, k_of

KEYS = ["officers_trained", "force_size", "training_coverage_pct"]
YEAR = (datetime.date(2024, 1, 1), datetime.date(2024, 12, 31))


def trained_in_period(org, area_pks: set[int], since, until) -> int:
    """Officers who finished a training in the period while posted in the area."""
    found = set()
    for ally in Ally.objects.filter(organisation=org, kind=Ally.Kind.POLICE):
        for attended in ally.attendances.all():
            day = attended.training.ends_on
            posting = ally.posting_on(day)
            if since <= day <= until and posting and posting.station:
                found |= {ally.pk} if posting.station.area_id in area_pks else set()
    return len(found)


def staff(world, stations, rng: random.Random) -> None:
    org = world.org
    courses = [training(org, f"T{n}", START + datetime.timedelta(days=40 * n)) for n in range(9)]
    for n in range(30):
        ally = officer(org, f"KP{n}")
        for move in sorted(rng.sample(range(0, 420), rng.randrange(1, 4))):
            where = rng.choice([*stations, None])
            ally.move(where, START + datetime.timedelta(days=move))
        for course in rng.sample(courses, rng.randrange(0, 3)):
            attend(course, ally)


def test_each_partnership_indicator_equals_a_count_officer_by_officer(place):  # noqa: F811
    world, stations = place
    staff(world, stations, random.Random(4))
    org = world.org
    for area in (None, world.central):
        area_pks = set(area.subtree()) if area else {s.area_id for s in stations}
        _posted, trained, force = by_hand(org, area_pks, YEAR[1])
        found = by_key(compute(Scope(org, *YEAR, area)))
        assert found["officers_trained"].value == trained_in_period(org, area_pks, *YEAR)
        assert found["force_size"].value == force
        cover = found["training_coverage_pct"]
        assert (cover.numerator, cover.denominator) == (trained, force)
        assert cover.value == round(100 * trained / force, 1)
        assert found["officers_trained"].value > 0 and trained > 0


def test_outside_the_organisation_a_small_count_is_withheld(place):  # noqa: F811
    world, stations = place
    org = world.org
    early = officer(org, "KP1")
    early.move(stations[0], START)
    attend(training(org, "T", datetime.date(2024, 3, 1)), early)
    outside = by_key(compute(Scope(org, *YEAR, None, Audience.EXTERNAL), KEYS))
    assert k_of(org) > 1
    assert outside["officers_trained"].value is None and outside["officers_trained"].withheld
    assert outside["force_size"].value == 65  # the stations' counts, far above k
    assert outside["training_coverage_pct"].value is None  # one trained officer of 65
