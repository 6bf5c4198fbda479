"""Counts of cases along every dimension the patterns page and the briefs show, each
computed by the database in one grouped query."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth

from haki.cases.models import Case, ViolationType
from haki.core.models import Area


@dataclass
class Tally:
    cases: int = 0
    people: int = 0
    by_month: dict[datetime.date, int] = field(default_factory=dict)
    by_violation: dict[int, int] = field(default_factory=dict)  # ViolationType pk -> cases
    # (month, kind) -> number of abuses or positive acts recorded that month
    acts_by_month: dict[tuple[datetime.date, str], int] = field(default_factory=dict)
    by_perpetrator: dict[str, int] = field(default_factory=dict)
    by_place: dict[str, int] = field(default_factory=dict)
    by_unit: dict[str, int] = field(default_factory=dict)
    by_area: dict[int, int] = field(default_factory=dict)  # Area pk -> cases recorded there
    by_outcome: dict[str, int] = field(default_factory=dict)


def _grouped(cases: QuerySet[Case], column: str) -> dict:
    rows = cases.order_by().values_list(column).annotate(n=Count("pk"))
    return {key: n for key, n in rows}


def month_of(value: datetime.date | datetime.datetime) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def tally(cases: QuerySet[Case]) -> Tally:
    """``cases`` counted every way at once (several grouped queries, no rows fetched)."""
    result = Tally()
    monthly = (
        cases.order_by()
        .annotate(month=TruncMonth("occurred_on"))
        .values_list("month")
        .annotate(n=Count("pk"))
    )
    result.by_month = {month_of(month): n for month, n in monthly}
    result.cases = sum(result.by_month.values())
    if not result.cases:
        return result
    result.people = cases.order_by().aggregate(n=Sum("people_affected"))["n"] or 0
    links = Case.violations.through.objects.filter(case__in=cases.order_by().values("pk"))
    result.by_violation = dict(
        links.order_by().values_list("violationtype_id").annotate(n=Count("pk"))
    )
    acts = (
        links.order_by()
        .annotate(month=TruncMonth("case__occurred_on"))
        .values_list("month", "violationtype__kind")
        .annotate(n=Count("pk"))
    )
    result.acts_by_month = {(month_of(month), kind): n for month, kind, n in acts}
    result.by_perpetrator = _grouped(cases, "perpetrator")
    result.by_place = _grouped(cases, "place")
    result.by_unit = {unit: n for unit, n in _grouped(cases, "unit").items() if unit}
    result.by_area = _grouped(cases, "area_id")
    result.by_outcome = {o: n for o, n in _grouped(cases, "outcome").items() if o}
    return result


def lineages(areas: list[Area]) -> dict[int, list[int]]:
    """Area pk -> the pks from the root down to it (so its depth is len - 1)."""
    parents = {a.pk: a.parent_id for a in areas}
    chains: dict[int, list[int]] = {}
    for pk in parents:
        chain, node = [], pk
        while node is not None and node not in chain:
            chain.append(node)
            node = parents.get(node)
        chains[pk] = chain[::-1]
    return chains


def roll_up(by_area: dict[int, int], areas: list[Area], depth: int) -> Counter[int]:
    """Counts moved up to their ancestor at ``depth`` (areas above it keep their own)."""
    chains = lineages(areas)
    rolled: Counter[int] = Counter()
    for pk, n in by_area.items():
        chain = chains.get(pk, [pk])
        rolled[chain[min(depth, len(chain) - 1)]] += n
    return rolled


def within(by_area: dict[int, int], areas: list[Area]) -> Counter[int]:
    """For each area, the cases recorded in it or anywhere below it."""
    parents = {a.pk: a.parent_id for a in areas}
    totals: Counter[int] = Counter()
    for pk, n in by_area.items():
        node, seen = pk, set()
        while node is not None and node not in seen:
            totals[node] += n
            seen.add(node)
            node = parents.get(node)
    return totals


def violation_labels(organisation) -> dict[int, tuple[str, str]]:
    """ViolationType pk -> (label in the user's language, kind)."""
    return {
        t.pk: (t.display_label, t.kind)
        for t in ViolationType.objects.filter(organisation=organisation)
    }
