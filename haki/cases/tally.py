"""Counts of cases along every dimension the patterns page and the briefs show,
computed by the database in a few grouped queries."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet, Sum

from haki.cases.models import Case, CaseViolation, ViolationType
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


def tally(cases: QuerySet[Case], links: QuerySet[CaseViolation] | None = None) -> Tally:
    """``cases`` counted every way at once: four grouped queries, no case fetched. Each
    groups by several dimensions together and reads only an index that covers it
    (Case.Meta.indexes), never the wide rows with their encrypted texts. ``links``: the
    same selection's CaseViolation rows when it can be made from their own copies of the
    organisation, date and consent, which spares joining every case to its links."""
    result = Tally()
    cases = cases.order_by()
    by_month: Counter[datetime.date] = Counter()
    daily = cases.values_list("occurred_on").annotate(n=Count("*"), people=Sum("people_affected"))
    for day, n, people in daily:
        by_month[day.replace(day=1)] += n
        result.people += people
    result.by_month = dict(by_month)
    result.cases = sum(by_month.values())
    if not result.cases:
        return result
    by_area: Counter[int] = Counter()
    by_perpetrator: Counter[str] = Counter()
    by_place: Counter[str] = Counter()
    by_outcome: Counter[str] = Counter()
    # Area last: grouped by it first, SQLite would walk the area index and read every row.
    combined = cases.values_list("perpetrator", "place", "outcome", "area_id").annotate(
        n=Count("*")
    )
    for perpetrator, place, outcome, area, n in combined:
        by_area[area] += n
        by_perpetrator[perpetrator] += n
        by_place[place] += n
        by_outcome[outcome] += n
    result.by_area = dict(by_area)
    result.by_perpetrator = dict(by_perpetrator)
    result.by_place = dict(by_place)
    result.by_outcome = {o: n for o, n in by_outcome.items() if o}
    units = cases.values_list("unit").annotate(n=Count("*"))
    result.by_unit = {unit: n for unit, n in units if unit}
    result.by_violation, result.acts_by_month = _acts(cases, links)
    return result


def _acts(
    cases: QuerySet[Case], links: QuerySet[CaseViolation] | None
) -> tuple[dict[int, int], dict[tuple[datetime.date, str], int]]:
    """How often each violation type was recorded, and abuses and positive acts by month,
    in one pass over the links (or, for a selection they cannot make alone, over the
    links of the chosen cases, with each case's own date)."""
    # By day rather than by month: no date function to run on every link.
    if links is not None:
        grouped = links.order_by().values_list("occurred_on", "violationtype")
    else:
        grouped = CaseViolation.objects.filter(case__in=cases.values("pk")).values_list(
            "case__occurred_on", "violationtype"
        )
    rows = list(grouped.annotate(n=Count("*")))
    types = {type_id for _day, type_id, _n in rows}
    kinds = dict(ViolationType.objects.filter(pk__in=types).values_list("pk", "kind"))
    by_violation: Counter[int] = Counter()
    acts: Counter[tuple[datetime.date, str]] = Counter()
    for day, type_id, n in rows:
        by_violation[type_id] += n
        acts[day.replace(day=1), kinds[type_id]] += n
    return dict(by_violation), dict(acts)


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


def roll_up(by_area: dict[int, int], chains: dict[int, list[int]], depth: int) -> Counter[int]:
    """Counts moved up to their ancestor at ``depth`` (areas above it keep their own);
    ``chains`` as from lineages()."""
    rolled: Counter[int] = Counter()
    for pk, n in by_area.items():
        chain = chains.get(pk, [pk])
        rolled[chain[min(depth, len(chain) - 1)]] += n
    return rolled


def within(by_area: dict[int, int], chains: dict[int, list[int]]) -> Counter[int]:
    """For each area, the cases recorded in it or anywhere below it; ``chains`` as from
    lineages()."""
    totals: Counter[int] = Counter()
    for pk, n in by_area.items():
        for node in chains.get(pk, [pk]):
            totals[node] += n
    return totals


def violation_labels(organisation) -> dict[int, tuple[str, str]]:
    """ViolationType pk -> (label in the user's language, kind)."""
    return {
        t.pk: (t.display_label, t.kind)
        for t in ViolationType.objects.filter(organisation=organisation)
    }
