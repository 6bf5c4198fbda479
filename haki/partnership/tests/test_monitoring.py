"""Station monitoring: scores against the formula, bad input refused with nothing
written, falling scores for review meetings, and the indicators."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haki.members.models import Member
from haki.partnership import indicators
from haki.partnership.meetings import record
from haki.partnership.models import Meeting
from haki.partnership.monitoring import (
    Round,
    Visit,
    VisitAnswer,
    VisitRecord,
    VisitTeamMember,
    falling_stations,
    record_visit,
    score_table,
)
from haki.partnership.tests.factories import checklist, monitoring_round, officer, station
from haki.reports.catalogue import Scope

D = datetime.date


def visit(rnd, where, answers: list[str], day=None, **team):
    return record_visit(
        VisitRecord(
            round=rnd,
            station=where,
            visited_on=day or rnd.starts_on,
            answers={f"item{n}": a for n, a in enumerate(answers)},
            **team,
        )
    )


def test_a_score_is_the_weighted_share_of_yes_among_items_seen(world):
    a = world["a"]
    rnd = monitoring_round(a.org, checklist(a.org, [3, 2, 1, 1]), D(2026, 1, 1))
    central = station(a.org, "C1", a.central)
    # yes 3, no 2, not seen 1, yes 1: (3 + 1) / (3 + 2 + 1); the unseen weight counts nowhere.
    assert visit(rnd, central, ["yes", "no", "not_seen", "yes"]).score == pytest.approx(400 / 6)
    assert visit(rnd, central, ["not_seen"] * 4).score is None  # nothing seen: no score
    assert visit(rnd, central, ["no", "not_seen", "not_seen", "not_seen"]).score == 0
    stored = VisitAnswer.objects.filter(visit__round=rnd).values_list("weight", flat=True)
    assert sorted(set(stored)) == [1, 2, 3]  # each answer keeps the weight of its day


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    items=st.lists(
        st.tuples(st.integers(1, 10), st.sampled_from(["yes", "no", "not_seen"])),
        min_size=1,
        max_size=12,
    )
)
def test_scores_follow_the_formula_for_any_answers(world, items):
    a = world["a"]
    with transaction.atomic():
        rnd = monitoring_round(a.org, checklist(a.org, [w for w, _a in items]), D(2026, 1, 1))
        found = visit(rnd, station(a.org, "C1", a.central), [answer for _w, answer in items])
        seen = sum(w for w, answer in items if answer != "not_seen")
        yes = sum(w for w, answer in items if answer == "yes")
        if seen == 0:
            assert found.score is None
        else:
            assert found.score == pytest.approx(100 * yes / seen)
            assert 0 <= found.score <= 100
        transaction.set_rollback(True)


def nothing_written() -> bool:
    return not (
        Visit.objects.exists() or VisitAnswer.objects.exists() or VisitTeamMember.objects.exists()
    )


def refused(rnd, where, answers, day=None, **team) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        visit(rnd, where, answers, day, **team)
    assert nothing_written()
    return caught.value.messages


def test_bad_visits_are_refused_with_a_clear_message_and_nothing_written(world):
    a, b = world["a"], world["b"]
    rnd = monitoring_round(a.org, checklist(a.org, [1, 1]), D(2026, 1, 1), days=10)
    central = station(a.org, "C1", a.central)
    outside = refused(rnd, central, ["yes", "no"], D(2026, 2, 1))
    assert "The visit must fall within the round (2026-01-01 to 2026-01-11)." in outside
    extra = VisitRecord(rnd, central, D(2026, 1, 2), {"item0": "yes", "item1": "no", "bribe": "no"})
    with pytest.raises(ValidationError) as caught:
        record_visit(extra)
    assert "Some answers are for items that are not on the checklist." in caught.value.messages
    assert "Answer every item of the checklist." in refused(rnd, central, ["yes"])
    assert "Answer each item yes, no or not seen." in refused(rnd, central, ["yes", "maybe"])
    theirs = station(b.org, "B1", b.central)
    assert "This station is not one of the round's stations." in refused(rnd, theirs, ["yes"] * 2)
    stranger = officer(b.org, "KG-1")
    message = "Every team member must belong to this organisation."
    assert message in refused(rnd, central, ["yes", "no"], allies=[stranger])
    assert message in refused(rnd, central, ["yes", "no"], members=[b.member])


def test_a_round_ends_on_or_after_its_first_day(world):
    a = world["a"]
    template = checklist(a.org, [1])
    with pytest.raises(IntegrityError), transaction.atomic():
        Round.objects.create(
            organisation=a.org,
            template=template,
            name="Backwards",
            starts_on=D(2026, 3, 1),
            ends_on=D(2026, 2, 1),
        )
    assert not Round.objects.exists()


def test_a_round_of_an_area_covers_only_its_stations(world):
    a = world["a"]
    rnd = monitoring_round(a.org, checklist(a.org, [1]), D(2026, 1, 1), area=a.central)
    inside = station(a.org, "IN", a.central)
    elsewhere = station(a.org, "OUT", a.central.parent)
    assert list(rnd.not_visited()) == [inside]
    assert "This station is not one of the round's stations." in refused(rnd, elsewhere, ["yes"])


def test_the_team_keeps_consenting_members_and_allies(world):
    a = world["a"]
    rnd = monitoring_round(a.org, checklist(a.org, [1]), D(2026, 1, 1))
    found = visit(
        rnd,
        station(a.org, "C1", a.central),
        ["yes"],
        allies=[officer(a.org, "KP1")],
        members=[a.member],
    )
    team = found.team.all()
    assert {t.member_id for t in team if t.member_id} == {a.member.pk}
    assert all(t.member_consented for t in team if t.member_id)


def test_falling_stations_compare_the_latest_round_with_the_one_before(world):
    a = world["a"]
    template = checklist(a.org, [1, 1, 1, 1])
    first = monitoring_round(a.org, template, D(2026, 1, 1), name="January")
    second = monitoring_round(a.org, template, D(2026, 3, 1), name="March")
    falling, rising, steady, new = (station(a.org, c, a.central) for c in "FRSN")
    visit(first, falling, ["yes", "yes", "yes", "no"])  # 75
    visit(second, falling, ["yes", "no", "no", "no"], D(2026, 3, 5))  # 25
    visit(second, falling, ["yes", "yes", "no", "no"], D(2026, 3, 6))  # 50: mean 37.5
    visit(first, rising, ["no", "no", "no", "yes"])
    visit(second, rising, ["yes", "yes", "no", "no"], D(2026, 3, 5))
    visit(first, steady, ["yes", "no", "no", "no"])
    visit(second, steady, ["yes", "no", "not_seen", "not_seen"], D(2026, 3, 5))  # 50: rose
    visit(second, new, ["no", "no", "no", "no"], D(2026, 3, 5))  # no earlier score
    assert falling_stations(a.org, D(2026, 2, 1)) == [(falling, 75.0, 37.5)]
    assert falling_stations(a.org, D(2026, 4, 1)) == []  # no visit since that day
    assert falling_stations(world["b"].org, D(2026, 1, 1)) == []
    table = dict(score_table(a.org, [first, second]))
    assert table[falling] == [75.0, 37.5] and table[new] == [None, 0.0]
    # The review meeting after the March round lists the station that fell.
    meeting = Meeting.objects.create(organisation=a.org, held_on=D(2026, 3, 20))
    (section,) = [s for s in record(meeting) if s.title == "Stations with falling scores"]
    assert section.rows == [[str(falling), 75.0, 37.5]]


def test_the_indicators_count_stations_and_average_scores(world):
    a = world["a"]
    rnd = monitoring_round(a.org, checklist(a.org, [1, 1]), D(2026, 1, 1), days=60)
    one, two = station(a.org, "S1", a.central), station(a.org, "S2", a.central.parent)
    visit(rnd, one, ["yes", "yes"], D(2026, 1, 2))
    visit(rnd, one, ["yes", "no"], D(2026, 1, 3))
    visit(rnd, two, ["not_seen", "not_seen"], D(2026, 1, 4))
    visit(rnd, two, ["no", "no"], D(2026, 2, 20))  # after the period
    scope = Scope(a.org, D(2026, 1, 1), D(2026, 1, 31))
    assert indicators.stations_monitored(scope).numerator == 2
    raw = indicators.mean_station_score(scope)
    assert (raw.value, raw.denominator) == (75.0, 2)  # (100 + 50) / 2; unseen left out
    central = Scope(a.org, D(2026, 1, 1), D(2026, 1, 31), area=a.central)
    assert indicators.stations_monitored(central).numerator == 1


def test_members_named_on_a_team_are_only_those_who_agreed(world):
    a = world["a"]
    rnd = monitoring_round(a.org, checklist(a.org, [1]), D(2026, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        found = visit(rnd, station(a.org, "C1", a.central), ["yes"])
        VisitTeamMember.objects.create(visit=found, member=a.member, member_consented=False)
    assert Member.objects.filter(pk=a.member.pk).exists()
