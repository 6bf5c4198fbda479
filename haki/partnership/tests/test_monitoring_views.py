"""Monitoring pages: a caseworker records a visit; bad input is refused with a clear
message and nothing written; the round and trend pages show the scores."""

import datetime

import pytest
from django.urls import reverse

from conftest import verified_client
from haki.core.roles import Role
from haki.partnership.monitoring import Round, Visit, VisitTeamMember
from haki.partnership.tests.factories import checklist, monitoring_round, officer, station

D = datetime.date


@pytest.fixture
def setup(world):
    a = world["a"]
    rnd = monitoring_round(a.org, checklist(a.org, [2, 1, 1]), D(2026, 1, 1), name="January")
    central, quiet = station(a.org, "C1", a.central), station(a.org, "C2", a.central)
    return a, rnd, central, quiet


def answers(central, **extra) -> dict:
    return {
        "station": central.pk,
        "visited_on": "2026-01-10",
        "item_item0": "yes",
        "item_item1": "no",
        "item_item2": "not_seen",
        **extra,
    }


def test_a_caseworker_records_a_visit_and_the_round_shows_it(setup):
    a, rnd, central, quiet = setup
    officer(a.org, "KP-9")
    client = verified_client(a.users[Role.CASEWORKER])
    url = reverse("partnership:visit", kwargs={"round": rnd.uuid})
    assert "The duty officer" not in client.get(url).content.decode()  # its own checklist
    team = {"members": a.member.alias, "members_consented": "on", "officers": "kp-9"}
    response = client.post(url, answers(central, **team))
    assert response.status_code == 302
    found = Visit.objects.get()
    assert found.score == pytest.approx(200 / 3)  # yes 2 of seen 2 + 1
    assert found.team.count() == 2 and found.recorded_by == a.users[Role.CASEWORKER]
    page = client.get(response["Location"]).content.decode()
    assert "67%" in page
    assert page.split("Not visited in this round")[1].count(quiet.name) == 1
    trend = client.get(reverse("partnership:rounds")).content.decode()
    assert "January" in trend and "67%" in trend


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"item_bribe": "yes"}, "not on the checklist"),
        ({"item_item1": "maybe"}, "Select a valid choice"),
        ({"visited_on": "2026-03-01"}, "must fall within the round"),
        ({"members": "org-a-alias"}, "only when they agreed"),
        ({"members": "org-b-alias", "members_consented": "on"}, "No member has the alias"),
        ({"officers": "KG-1"}, "No officer has the service number"),
        ({"officers": ",".join(f"KP-{n}" for n in range(21))}, "At most 20 people"),
        (
            {"members": ",".join(f"m{n}" for n in range(21)), "members_consented": "on"},
            "At most 20 people",
        ),
    ],
)
def test_bad_visits_are_refused_and_nothing_is_written(setup, world, extra, message):
    a, rnd, central, _quiet = setup
    officer(world["b"].org, "KG-1")
    client = verified_client(a.users[Role.CASEWORKER])
    url = reverse("partnership:visit", kwargs={"round": rnd.uuid})
    response = client.post(url, answers(central, **extra))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Visit.objects.exists() and not VisitTeamMember.objects.exists()


def test_a_team_member_is_found_by_alias_whatever_its_case(setup):
    a, rnd, central, _quiet = setup
    client = verified_client(a.users[Role.CASEWORKER])
    url = reverse("partnership:visit", kwargs={"round": rnd.uuid})
    team = {"members": f" {a.member.alias.upper()} ", "members_consented": "on"}
    assert client.post(url, answers(central, **team)).status_code == 302
    assert VisitTeamMember.objects.get().member == a.member


def test_a_station_of_another_organisation_is_refused(setup, world):
    a, rnd, _central, _quiet = setup
    theirs = station(world["b"].org, "B1", world["b"].central)
    client = verified_client(a.users[Role.COORDINATOR])
    url = reverse("partnership:visit", kwargs={"round": rnd.uuid})
    response = client.post(url, answers(theirs))
    assert response.status_code == 400 and not Visit.objects.exists()


def test_a_round_ending_before_it_starts_is_refused(setup):
    a, rnd, _central, _quiet = setup
    client = verified_client(a.users[Role.COORDINATOR])
    data = {
        "name": "Backwards",
        "template": rnd.template.pk,
        "starts_on": "2026-05-01",
        "ends_on": "2026-04-01",
    }
    response = client.post(reverse("partnership:round_add"), data)
    assert response.status_code == 400
    assert response.content.decode().count("A round ends on or after its first day.") == 1
    assert not Round.objects.filter(name="Backwards").exists()
    data["ends_on"] = "2026-05-31"
    assert client.post(reverse("partnership:round_add"), data).status_code == 302
    assert Round.objects.filter(name="Backwards", organisation=a.org).exists()
