"""The patterns page's figures: what happened, who did it, where and when, and how good
acts by police compare with abuses. Inside the organisation, so nothing is suppressed;
what leaves it goes through the briefs (haki.reports)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from haki.cases.forms import CaseFilterForm
from haki.cases.models import Case, CaseViolation
from haki.cases.tally import lineages, tally, violation_labels, within
from haki.cases.taxonomy import Kind, Outcome, Perpetrator, Place
from haki.core.models import Area, Organisation

TOP_UNITS = 10
# A member's report waiting for review may not say who or where yet.
UNKNOWN = _("Not known yet")


def ranked(counts: dict[Any, int], labels: dict[Any, str]) -> list[dict[str, Any]]:
    rows = [{"label": labels.get(key, str(key)), "n": n} for key, n in counts.items() if n]
    return sorted(rows, key=lambda row: (-row["n"], row["label"]))


SHADES = 5  # as many as patterns.js has colours


def legend(most: int) -> list[dict[str, int]]:
    """The map's key: which counts each shade stands for, as patterns.js picks them
    (shade i for the n with floor(n / most * (SHADES - 1)) == i; 0 has a shade of its own)."""
    steps = [{"shade": 0, "low": 0, "high": 0}]
    most, top = max(most, 1), SHADES - 1
    for shade in range(SHADES):
        low = max(1, -(-shade * most // top))
        high = min(most, -(-(shade + 1) * most // top) - 1)
        if low <= high:
            steps.append({"shade": shade + 1, "low": low, "high": high})
    return steps


def build(
    organisation: Organisation,
    cases: QuerySet[Case],
    links: QuerySet[CaseViolation] | None = None,
) -> dict[str, Any]:
    counted = tally(cases, links)
    types = violation_labels(organisation)
    months = sorted(counted.by_month)
    abuses = {m: counted.acts_by_month.get((m, Kind.ABUSE), 0) for m in months}
    positives = {m: counted.acts_by_month.get((m, Kind.POSITIVE), 0) for m in months}
    areas = list(Area.objects.filter(organisation=organisation))
    in_area = within(counted.by_area, lineages(areas))
    by_violation = [
        {"label": types[pk][0], "kind": types[pk][1], "n": n}
        for pk, n in sorted(counted.by_violation.items(), key=lambda item: -item[1])
        if pk in types
    ]
    return {
        "cases": counted.cases,
        "people": counted.people,
        "abuses": sum(abuses.values()),
        "positives": sum(positives.values()),
        "by_violation": by_violation,
        "by_perpetrator": ranked(
            counted.by_perpetrator, {"": UNKNOWN, **dict(Perpetrator.choices)}
        ),
        "by_place": ranked(counted.by_place, {"": UNKNOWN, **dict(Place.choices)}),
        "by_outcome": ranked(counted.by_outcome, dict(Outcome.choices)),
        "top_units": ranked(counted.by_unit, {})[:TOP_UNITS],
        "by_area": [
            {"label": a.name, "code": a.code, "n": in_area.get(a.pk, 0)}
            for a in sorted(areas, key=lambda a: a.code)
        ],
        "chart": {
            "months": [f"{m:%Y-%m}" for m in months],
            "cases": [counted.by_month[m] for m in months],
            "abuses": [abuses[m] for m in months],
            "positives": [positives[m] for m in months],
            "violations": [[row["label"], row["n"]] for row in by_violation[:15]],
        },
        "legend": legend(max(in_area.values(), default=0)),
        "map": {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": a.geometry,
                    "properties": {"name": a.name, "n": in_area.get(a.pk, 0)},
                }
                for a in areas
                if a.geometry
            ],
        },
    }


def for_filters(organisation: Organisation, filters: CaseFilterForm) -> dict[str, Any]:
    """The page's figures for the filters as chosen: every case when none are (or when
    they are not valid)."""
    cases = Case.objects.filter(organisation=organisation)
    if filters.is_valid():
        cases = filters.filter(cases)
    return build(organisation, cases, filters.links(organisation))
