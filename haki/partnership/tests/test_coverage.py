"""Coverage computed in one pass over the history agrees with asking the database
officer by officer, whatever the postings and trainings."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haki.core.models import Area
from haki.partnership.coverage import (
    History,
    coverage,
    force_size,
    month_ends,
    officers_trained,
    timeline,
    training_coverage_pct,
)
from haki.partnership.models import Ally, Attendance, Posting, Station, Training
from haki.partnership.tests.factories import attend, officer, station, training

START = datetime.date(2024, 1, 1)
days = st.integers(min_value=0, max_value=400).map(lambda n: START + datetime.timedelta(days=n))
moves = st.lists(st.tuples(days, st.sampled_from([0, 1, 2, None])), min_size=1, max_size=4)
officers = st.lists(
    st.tuples(moves, st.lists(st.tuples(st.integers(0, 2), st.integers(0, 100)), max_size=3)),
    max_size=8,
)


def by_hand(org, area_pks: set[int], day):
    """Ask the database officer by officer: the slow way, written as the docs say."""
    posted = trained = 0
    for ally in Ally.objects.filter(organisation=org):
        posting = ally.posting_on(day)
        if posting is None or posting.station is None or posting.station.area_id not in area_pks:
            continue
        posted += 1
        ends = [a.training.ends_on for a in ally.attendances.all()]
        trained += any(end <= day for end in ends)
    force = sum(s.force_size_on(day) or 0 for s in Station.objects.filter(area_id__in=area_pks))
    return posted, trained, force


@pytest.fixture
def place(world):
    a = world["a"]
    north = Area.objects.create(organisation=a.org, code="N", name="N", parent=a.central)
    stations = [
        station(a.org, "S0", a.central, 10, START),
        station(a.org, "S1", north, 20, START),
        station(a.org, "S2", a.central.parent, 30, START),
    ]
    stations[1].record_force_size(25, START + datetime.timedelta(days=300))
    return a, stations


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    people=officers,
    day=days,
    training_days=st.lists(days, min_size=3, max_size=3),
    on_a_training_day=st.booleans(),
)
def test_coverage_agrees_with_counting_officer_by_officer(
    place, people, day, training_days, on_a_training_day
):
    world, stations = place
    if on_a_training_day:  # the edges: trained on the very day asked about
        day = training_days[0]
    org = world.org
    Attendance.objects.all().delete()
    Posting.objects.all().delete()
    Ally.objects.all().delete()
    Training.objects.all().delete()
    courses = [training(org, f"T{n}", d) for n, d in enumerate(training_days)]
    for n, (history, attended) in enumerate(people):
        ally = officer(org, f"KP{n}")
        for when, where in history:
            ally.move(stations[where] if where is not None else None, when)
        for course, _score in {c: s for c, s in attended}.items():
            attend(courses[course], ally, 0, _score)
    area_pks = set(world.central.subtree())
    found = coverage(History.load(org), world.central, day)
    assert (found.posted, found.trained, found.force_size) == by_hand(org, area_pks, day)
    points = dict(timeline(History.load(org), world.central, [day]))
    assert points[day] == found.pct


def test_indicators_are_figures_of_the_period(place):
    world, stations = place
    org = world.org
    early, late = officer(org, "KP1"), officer(org, "KP2")
    early.move(stations[0], START)
    late.move(stations[1], START)
    course = training(org, "T", datetime.date(2024, 3, 1))
    attend(course, early)
    attend(training(org, "T again", datetime.date(2024, 9, 1)), early)  # trained twice
    attend(course, late)
    late.move(stations[2], datetime.date(2024, 6, 1))  # transferred out of Central
    year = (datetime.date(2024, 1, 1), datetime.date(2024, 12, 31))
    assert officers_trained(org, world.central, *year) == 2  # distinct, each counted once
    assert force_size(org, world.central, *year) == 35  # S1 recounted at 25 in October
    assert training_coverage_pct(org, world.central, *year) == round(100 / 35, 1)
    assert training_coverage_pct(org, None, *year) == round(200 / 65, 1)


def test_month_ends_lead_up_to_the_day():
    ends = month_ends(datetime.date(2026, 3, 15), 3)
    assert ends == [
        datetime.date(2025, 12, 31),
        datetime.date(2026, 1, 31),
        datetime.date(2026, 2, 28),
        datetime.date(2026, 3, 15),
    ]
