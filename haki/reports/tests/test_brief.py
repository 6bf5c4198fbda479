from __future__ import annotations

import datetime
import io
from collections import Counter

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import verified_client
from haki.cases.models import Case
from haki.cases.taxonomy import Perpetrator, Place
from haki.core.models import Area
from haki.core.roles import Role
from haki.reports.brief import Audience, Brief, build
from haki.reports.suppression import suppress

SINCE, UNTIL = datetime.date(2026, 1, 1), datetime.date(2026, 3, 31)
PERPETRATORS = ["regular_police", "municipal_officer", "client"]
PLACES = ["street", "police_station"]
TYPES = ["arbitrary_arrest", "extortion", "helped_release"]


def add_areas(world) -> dict[str, Area]:
    """ROOT (depth 0) > CEN (1, the district) > two hotspots (2) that briefs never show."""
    org = world.org
    Case.objects.filter(organisation=org).delete()  # the fixture's own case
    areas = {"ROOT": world.central.parent, "CEN": world.central}
    for code in ("H1", "H2"):
        areas[code] = Area.objects.create(
            organisation=org, code=code, name=code, parent=world.central
        )
    areas["EAST"] = Area.objects.create(
        organisation=org, code="EAST", name="East", parent=areas["ROOT"]
    )
    return areas


case_facts = st.fixed_dictionaries(
    {
        "month": st.integers(1, 3),
        "area": st.sampled_from(["ROOT", "CEN", "H1", "H2", "EAST"]),
        "perpetrator": st.sampled_from(PERPETRATORS),
        "place": st.sampled_from(PLACES),
        "types": st.sets(st.sampled_from(TYPES), min_size=1),
        "consent": st.booleans(),
    }
)


def make_cases(world, areas, facts: list[dict]) -> None:
    types = {t.key: t for t in world.org.violation_types.all()}
    for fact in facts:
        case = Case(
            organisation=world.org,
            occurred_on=datetime.date(2026, fact["month"], 10),
            area=areas[fact["area"]],
            place=fact["place"],
            perpetrator=fact["perpetrator"],
            consent_police=fact["consent"],
        )
        case.save()
        case.violations.set([types[key] for key in fact["types"]])


def table(brief: Brief, title: str):
    return next(t for t in brief.tables if t.title == title)


def recoverable_cells(shown: dict[str, int | None], total: int, k: int) -> list[str]:
    """What an adversary holding the table can pin down: a hidden cell is found when it
    is the only hidden one, or when all hidden cells together are known to be 0; it is
    narrowed below k when the hidden cells together hold fewer than k."""
    hidden = [label for label, n in shown.items() if n is None]
    remainder = total - sum(n for n in shown.values() if n is not None)
    if not hidden:
        return []
    if len(hidden) == 1 or remainder < k:
        return hidden
    return []


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(facts=st.lists(case_facts, max_size=45), k=st.sampled_from([5, 6, 9]))
def test_the_police_brief_never_shows_a_small_cell_nor_lets_totals_reveal_one(world, facts, k):
    a = world["a"]
    areas = {"ROOT": a.central.parent, "CEN": a.central}
    areas.update({x.code: x for x in Area.objects.filter(organisation=a.org)})
    if "H1" not in areas:
        areas = add_areas(a)
    Case.objects.filter(organisation=a.org).delete()
    a.org.suppression_k = k
    a.org.save()
    make_cases(a, areas, facts)

    brief = build(a.org, SINCE, UNTIL, Audience.POLICE)
    consented = [f for f in facts if f["consent"]]
    numbers = (
        [brief.cases, brief.people]
        + [n for t in brief.tables for _label, n in t.rows]
        + [t.total for t in brief.tables]
    )
    assert all(n is None or n >= k for n in numbers), "a count below k is shown"
    if len(consented) < k:
        assert brief.withheld and brief.tables == []
        return
    assert brief.cases == len(consented)  # only consented cases, all of them

    rolled = {"ROOT": "Root", "CEN": "Central", "H1": "Central", "H2": "Central", "EAST": "East"}
    truth = {
        "Who did it": Counter(dict(Perpetrator.choices)[f["perpetrator"]] for f in consented),
        "Place": Counter(dict(Place.choices)[f["place"]] for f in consented),
        "Cases by area": Counter(rolled[f["area"]] for f in consented),
        "Cases by month": Counter(f"2026-{f['month']:02d}" for f in consented),
    }
    for title, true_counts in truth.items():
        shown = dict(table(brief, title).rows)
        assert table(brief, title).total == len(consented)
        for label, n in shown.items():
            assert n is None or n == true_counts[label], f"{title}: {label} is wrong"
        assert set(true_counts) <= set(shown), f"{title} leaves out a row that happened"
        assert not recoverable_cells(shown, len(consented), k), f"{title} gives a cell away"
    area_rows = {label for label, _n in table(brief, "Cases by area").rows}
    assert area_rows == {"Root", "Central", "East"}  # no hotspot, ever


def test_suppression_hides_the_next_smallest_cell_when_one_alone_would_be_given_away():
    assert suppress({"a": 20, "b": 3, "c": 9}, 5, with_total=True) == {
        "a": 20,
        "b": None,
        "c": None,
    }
    # Two small cells that together hold fewer than k are not enough either.
    assert suppress({"a": 20, "b": 1, "c": 2, "d": 8}, 5, with_total=True) == {
        "a": 20,
        "b": None,
        "c": None,
        "d": None,
    }
    assert suppress({"a": 20, "b": 3}, 5, with_total=False) == {"a": 20, "b": None}


def test_the_internal_brief_counts_every_case_where_it_happened(world):
    a = world["a"]
    areas = add_areas(a)
    facts = [
        {"month": 1, "area": "H1", "perpetrator": "client", "place": "street",
         "types": {"extortion"}, "consent": False},
        {"month": 2, "area": "H2", "perpetrator": "client", "place": "street",
         "types": {"helped_release"}, "consent": True},
    ]  # fmt: skip
    make_cases(a, areas, facts)
    brief = build(a.org, SINCE, UNTIL, Audience.INTERNAL)
    assert brief.cases == 2 and brief.k is None
    assert dict(table(brief, "Cases by area").rows)["H1"] == 1
    assert dict(table(brief, "Positive acts by police").rows)["Helped release"] == 1
    police = build(a.org, SINCE, UNTIL, Audience.POLICE)
    assert police.withheld


def test_analysts_get_only_the_police_brief(world):
    a = world["a"]
    client = verified_client(a.users[Role.ANALYST])
    params = {"since": "2026-01-01", "until": "2026-03-31", "audience": "internal"}
    response = client.get(reverse("reports:brief"), params)
    assert response.context["brief"] is None and response.context["form"].errors
    params["audience"] = "police"
    page = client.get(reverse("reports:brief"), params).content.decode()
    assert "Fewer than 5 cases" in page
    coordinator = verified_client(a.users[Role.COORDINATOR])
    params["audience"] = "internal"
    page = coordinator.get(reverse("reports:brief"), params).content.decode()
    assert "Brief for the review meeting" in page


@pytest.fixture
def six_cases(world):
    a = world["a"]
    areas = add_areas(a)
    make_cases(
        a,
        areas,
        [
            {"month": 1, "area": area, "perpetrator": "regular_police", "place": "street",
             "types": {"extortion"}, "consent": True}
            for area in ["H1"] * 6 + ["EAST"] * 6
        ],
    )  # fmt: skip
    return a


def test_the_brief_command_writes_csv_xlsx_and_html(six_cases, tmp_path, capsys):
    args = ["brief", "--org", "org-a", "--from", "2026-01-01", "--to", "2026-03-31"]
    call_command(*args, "--audience", "police", "--format", "csv")
    text = capsys.readouterr().out
    # Root (0) alone would be given away by the total, so Central is hidden with it.
    assert "Cases by area,East,6" in text
    assert "Cases by area,Central,suppressed" in text and "Cases by area,Total,12" in text
    assert "H1" not in text
    out = tmp_path / "brief.xlsx"
    call_command(*args, "--audience", "internal", "--format", "xlsx", "--output", str(out))
    rows = list(openpyxl.load_workbook(io.BytesIO(out.read_bytes()))["Tables"].values)
    assert ("Cases by area", "H1", 6) in rows
    call_command(*args, "--audience", "police", "--format", "html", "--language", "sw")
    html = capsys.readouterr().out
    assert html.startswith("<!DOCTYPE html>") and "<table>" in html


def test_raising_k_hides_more(six_cases):
    six_cases.org.suppression_k = 7
    six_cases.org.save()
    brief = build(six_cases.org, SINCE, UNTIL, Audience.POLICE)
    assert dict(table(brief, "Cases by area").rows)["East"] is None
    six_cases.org.suppression_k = 13
    six_cases.org.save()
    assert build(six_cases.org, SINCE, UNTIL, Audience.POLICE).withheld


def test_a_briefs_tables_name_their_rows(world):
    client = verified_client(world["a"].users[Role.COORDINATOR])
    query = {"since": "2026-03-01", "until": "2026-03-31", "audience": "internal"}
    page = client.get(reverse("reports:brief"), query).content.decode()
    assert ">Row<" not in page
    assert '<th scope="col">Month</th>' in page and '<th scope="col">Violation</th>' in page
