"""The review-meeting brief: what was documented in a period, as tables.

Two audiences. The internal brief, for the peer educators' review, counts every case
at the level it was recorded. The brief for police leadership counts only cases whose
members agreed to it being raised with police, shows no area below the organisation's
brief level, and hides every count below the organisation's k with complementary
suppression (haki.reports.suppression)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from haki.cases.models import Case, CaseViolation, ViolationType
from haki.cases.tally import Tally, lineages, roll_up, tally
from haki.cases.taxonomy import Kind, Outcome, Perpetrator, Place
from haki.core.models import MINIMUM_K, Area, Organisation
from haki.reports.suppression import shown_total, suppress

TOP_UNITS = 10


class Audience(StrEnum):
    INTERNAL = "internal"
    POLICE = "police"


@dataclass
class Table:
    title: str
    heading: str  # what the rows are: a month, an area, a violation...
    rows: list[tuple[str, int | None]]  # None: hidden
    total: int | None = None  # shown only for tables whose rows add up to the case total
    has_total: bool = False
    note: str = ""


@dataclass
class Brief:
    organisation: Organisation
    audience: Audience
    since: datetime.date
    until: datetime.date
    k: int | None  # None: nothing suppressed (internal)
    cases: int | None
    people: int | None
    tables: list[Table] = field(default_factory=list)
    made_on: datetime.datetime = field(default_factory=timezone.now)

    @property
    def made_on_local(self) -> str:
        """When the brief was written, in the organisation's time zone, named: a brief
        is read away from Haki, by people who do not know where its server is."""
        local = self.made_on.astimezone(self.organisation.tzinfo)
        return f"{local:%Y-%m-%d %H:%M} ({self.organisation.timezone})"

    @property
    def title(self) -> str:
        if self.audience == Audience.POLICE:
            return _("Brief for police leadership")
        return _("Brief for the review meeting")

    @property
    def withheld(self) -> bool:
        """Too few cases to show anything at all."""
        return self.cases is None


def months_between(since: datetime.date, until: datetime.date) -> list[datetime.date]:
    months, month = [], since.replace(day=1)
    while month <= until:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def chosen(
    rows: QuerySet,
    organisation: Organisation,
    since: datetime.date,
    until: datetime.date,
    audience: Audience,
) -> QuerySet:
    """The brief's cases, or their links (CaseViolation carries copies of the same
    organisation, date and consent columns)."""
    rows = rows.filter(organisation=organisation, occurred_on__gte=since, occurred_on__lte=until)
    return rows.filter(consent_police=True) if audience == Audience.POLICE else rows


def build(
    organisation: Organisation, since: datetime.date, until: datetime.date, audience: Audience
) -> Brief:
    period = (organisation, since, until, audience)
    counted = tally(
        chosen(Case.objects.all(), *period), chosen(CaseViolation.objects.all(), *period)
    )
    return compose(organisation, since, until, audience, counted)


def compose(
    organisation: Organisation,
    since: datetime.date,
    until: datetime.date,
    audience: Audience,
    counted: Tally,
) -> Brief:
    """The brief's tables from the counts. Every category of a fixed list is shown, even
    at zero, so that outside the organisation a hidden cell says nothing about whether
    anything happened there."""
    police = audience == Audience.POLICE
    k = max(organisation.suppression_k, MINIMUM_K) if police else None
    areas = list(Area.objects.filter(organisation=organisation))
    names = {a.pk: a.name for a in areas}
    if police:
        depth, chains = organisation.brief_area_depth, lineages(areas)
        by_area = roll_up(counted.by_area, chains, depth)
        listed_areas = [pk for pk, chain in chains.items() if len(chain) - 1 <= depth]
    else:
        by_area, listed_areas = counted.by_area, [a.pk for a in areas]
    months = months_between(since, until)
    types = list(ViolationType.objects.filter(organisation=organisation))
    abuse = [
        t for t in types if t.kind == Kind.ABUSE and (t.active or t.pk in counted.by_violation)
    ]
    positive = [
        t for t in types if t.kind == Kind.POSITIVE and (t.active or t.pk in counted.by_violation)
    ]
    outcomes = {**{o.value: 0 for o in Outcome}, "": 0, **counted.by_outcome}
    outcomes[""] = counted.cases - sum(counted.by_outcome.values())

    def table(
        title: str, heading: str, rows: list[tuple[str, int]], adds_up: bool, note: str = ""
    ) -> Table:
        values = dict(rows)
        if police:
            hidden = suppress(values, k, with_total=adds_up)
            shown = [(label, hidden[label]) for label, _n in rows]
            total = shown_total(counted.cases, k) if adds_up else None
        else:
            shown, total = list(rows), counted.cases if adds_up else None
        return Table(title, heading, shown, total, adds_up, note)

    tables = [
        table(
            _("Cases by month"),
            _("Month"),
            [(f"{m:%Y-%m}", counted.by_month.get(m, 0)) for m in months],
            True,
        ),
        table(
            _("Cases by area"),
            _("Area"),
            sorted(((names[pk], by_area.get(pk, 0)) for pk in listed_areas), key=lambda r: r[0]),
            True,
        ),
        table(
            _("Violations"),
            _("Violation"),
            [(t.display_label, counted.by_violation.get(t.pk, 0)) for t in abuse],
            False,
            _("A case may record several, so these do not add up to the number of cases."),
        ),
        table(
            _("Positive acts by police"),
            _("Act"),
            [(t.display_label, counted.by_violation.get(t.pk, 0)) for t in positive],
            False,
        ),
        table(
            _("Who did it"),
            _("Who"),
            [(p.label, counted.by_perpetrator.get(p.value, 0)) for p in Perpetrator],
            True,
        ),
        table(
            _("Place"),
            _("Place"),
            [(p.label, counted.by_place.get(p.value, 0)) for p in Place],
            True,
        ),
        table(
            _("Outcome"),
            _("Outcome"),
            [(Outcome(o).label if o else _("No outcome yet"), n) for o, n in outcomes.items()],
            True,
        ),
    ]
    units = sorted(counted.by_unit.items(), key=lambda item: (-item[1], item[0]))
    if police:
        # Only stations with at least k cases are named at all: a named station with
        # a hidden count would still say that something happened there.
        units = [(unit, n) for unit, n in units if n >= k]
        note = _("Only units or stations with at least %(k)s cases are listed.") % {"k": k}
    else:
        note = ""
    tables.append(
        table(
            _("Units or stations with the most cases"),
            _("Unit or station"),
            units[:TOP_UNITS],
            False,
            note,
        )
    )

    cases = counted.cases
    people = counted.people
    if police:
        cases, people = shown_total(cases, k), shown_total(people, k)
        if cases is None:
            tables, people = [], None
    return Brief(organisation, audience, since, until, k, cases, people, tables)
