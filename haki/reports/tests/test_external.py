"""What leaves the organisation: consented cases only, no small count, no withheld cell
recoverable, no ratio over a small denominator, whatever the data."""

from __future__ import annotations

import contextlib
import io
import json
import random
import re

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haki.reports.catalogue import Audience, Kind, Raw, Scope, catalogue, get
from haki.reports.figures import compute, scope_for
from haki.reports.tests.known import OCTOBER, build

EXTERNAL = Audience.EXTERNAL
SINCE, UNTIL = (d.isoformat() for d in OCTOBER)


def run_command(org, *extra: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        call_command("indicators", "--org", org.slug, "--from", SINCE, "--to", UNTIL, *extra)
    return out.getvalue()


def raws(scope: Scope) -> dict[str, Raw]:
    """The figures before any suppression, over the cases that may leave."""
    return {i.key: i.compute(scope) for i in catalogue()}


def assert_safe(published: list[dict], raw: dict[str, Raw], k: int) -> None:
    """``published``: the external indicators as JSON; ``raw``: the same, unsuppressed."""
    for item in published:
        indicator, inside = get(item["key"]), raw[item["key"]]
        assert item["withheld"] == (item["value"] is None)
        if indicator.kind == Kind.COUNT:
            counts = [item["value"], item["numerator"]]
            counts += [c["value"] for c in item["breakdown"]]
            assert not [n for n in counts if n is not None and 0 < n < k], item
            hidden = [i for i, c in enumerate(item["breakdown"]) if c["withheld"]]
            if item["value"] is not None and hidden:
                # The hidden cells together: the total minus what is shown.
                rest = item["value"] - sum(c["value"] or 0 for c in item["breakdown"])
                assert len(hidden) >= 2 and rest >= k, item
        else:
            for n in (item["numerator"], item["denominator"]):
                assert n is None or n >= k, item
            if item["value"] is not None:
                assert inside.denominator >= k, item
                if indicator.kind == Kind.SHARE:
                    assert not 0 < inside.numerator < k
                    assert not 0 < inside.denominator - inside.numerator < k


def assert_everywhere_safe(org, k: int) -> None:
    """The same figures as the API, the DHIS2 payload and the donor report give them."""
    from django.test import Client

    from haki.api.models import ApiToken
    from haki.reports import dhis2, donor

    secret = ApiToken.issue(org, "hypothesis", "external", None)[1]
    answer = Client().get(
        "/api/v1/indicators/",
        {"from": SINCE, "to": UNTIL},
        headers={"Authorization": f"Token {secret}"},
    )
    external = raws(scope_for(org, *OCTOBER, None, EXTERNAL))
    assert_safe(answer.json()["indicators"], external, k)
    counts = [i for i in catalogue() if i.external and i.kind == Kind.COUNT]
    config = {
        "org_units": {"ROOT": "OU_ROOT", "CEN": "OU_CEN"},
        "data_elements": {
            i.key: [{"code": f"{i.key}_{n}"} for n in range(20)] if i.breakdowns else i.key
            for i in counts
        },
    }
    for value in dhis2.values(org, config, "202610").values():
        assert not 0 < int(value) < k, value
    html = donor.html(org, *OCTOBER, "en")
    for number in re.findall(r'class="n"[^>]*>(\d+)</td>', html):
        assert not 0 < int(number) < k, number


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 10_000),
    k=st.sampled_from([5, 7, 10]),
    alerts=st.integers(0, 30),
    cases=st.integers(0, 30),
    texts=st.integers(0, 25),
)
def test_no_external_figure_reveals_a_small_count(world, seed, k, alerts, cases, texts):
    org = world["a"].org
    with transaction.atomic():
        org.suppression_k = k
        org.save(update_fields=["suppression_k"])
        build(org, random.Random(seed), alerts, cases, texts)
        published = json.loads(run_command(org, "--audience", "external"))
        assert_safe(published["indicators"], raws(scope_for(org, *OCTOBER, None, EXTERNAL)), k)
        assert_everywhere_safe(org, k)
        for area in ("ROOT", "CEN", "EAS"):
            scope = scope_for(org, *OCTOBER, area, EXTERNAL)
            assert_safe([f.as_dict() for f in compute(scope)], raws(scope), k)
        transaction.set_rollback(True)


def test_outside_counts_only_consented_cases_and_no_internal_only_indicator(world):
    org = world["a"].org
    known = build(org, random.Random(5), 10, 80, 0)
    published = json.loads(run_command(org, "--audience", "external"))
    figures = {i["key"]: i for i in published["indicators"]}
    assert figures["cases_total"]["value"] == sum(1 for c in known.cases if c.consent)
    assert "members_registered" not in figures
    internal = json.loads(run_command(org))
    assert {i["key"]: i for i in internal["indicators"]}["cases_total"]["value"] == 80


def test_the_command_prints_the_documented_json_and_csv(world):
    org = world["a"].org
    build(org, random.Random(3))
    published = json.loads(run_command(org, "--area", "CEN"))
    assert list(published) == ["organisation", "from", "to", "area", "audience", "indicators"]
    assert (published["organisation"], published["area"], published["audience"]) == (
        org.slug,
        "CEN",
        "internal",
    )
    first = published["indicators"][0]
    assert list(first) == ["key", "value", "numerator", "denominator", "withheld", "breakdown"]
    cell = next(i for i in published["indicators"] if i["breakdown"])["breakdown"][0]
    assert list(cell) == ["by", "label", "value", "withheld"]
    rows = run_command(org, "--format", "csv").splitlines()
    assert rows[0] == "key,value,numerator,denominator,withheld,by,label"
    cells = sum(len(i["breakdown"]) for i in json.loads(run_command(org))["indicators"])
    assert len(rows) == 1 + len(published["indicators"]) + cells


def test_the_command_refuses_an_unknown_area_clearly(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no area with this code"):
        run_command(world["a"].org, "--area", "CEN-NOPE")


def test_the_commands_csv_keeps_a_label_that_looks_like_a_formula_text(world):
    """A coordinator names a violation type, a poll or a kind of service; whatever its
    first character, a spreadsheet opening the CSV shows it and never runs it."""
    import csv

    from haki.cases.models import ViolationType

    org = world["a"].org
    build(org, random.Random(3))
    labels = ["=HYPERLINK(1)", "+1+1", "-1+1", "@SUM(1)", "\tTAB", "\rCR"]
    types = list(ViolationType.objects.filter(organisation=org)[: len(labels)])
    assert len(types) == len(labels)
    for violation_type, label in zip(types, labels, strict=True):
        violation_type.label = label
        violation_type.save()
    rows = list(csv.reader(io.StringIO(run_command(org, "--format", "csv"))))
    shown = {row[6] for row in rows[1:] if row[5] == "type"}
    for label in labels:
        assert "'" + label in shown and label not in shown
    assert all(not row[6].startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows)
