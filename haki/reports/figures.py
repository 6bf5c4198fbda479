"""The catalogue's indicators computed for one scope and shown to one audience.

``internal`` shows every figure as computed. ``external`` is what may leave the
organisation, the police brief's rules extended to every figure: only indicators the
catalogue lets out; only cases whose member consented (the indicator functions read
``Scope.external``); no area deeper than the organisation's brief level; counts below k
withheld, with complementary suppression across a breakdown whose cells add up to the
shown total (haki.reports.suppression); a share, ratio or median withheld when its
denominator is below k, and a share or ratio also when its numerator (or, for a share,
the rest of the denominator) is between 1 and k-1, since value x denominator would give
that small count back."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from haki.core.models import MINIMUM_K, Area, Organisation
from haki.reports.catalogue import Audience, Indicator, Kind, Raw, Scope, catalogue
from haki.reports.suppression import shown_total, suppress


class ScopeError(ValueError):
    """A period, area or audience that cannot be shown; the message is for the user."""


@dataclass
class Cell:
    by: str
    label: str
    value: float | int | None
    withheld: bool


@dataclass
class Figure:
    indicator: Indicator
    value: float | int | None
    numerator: int | None
    denominator: int | None
    withheld: bool
    breakdown: list[Cell] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.indicator.key

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "withheld": self.withheld,
            "breakdown": [
                {"by": c.by, "label": c.label, "value": c.value, "withheld": c.withheld}
                for c in self.breakdown
            ],
        }


def k_of(organisation: Organisation) -> int:
    return max(organisation.suppression_k, MINIMUM_K)


MAX_DAYS = 3 * 366
# The one bound on a period's days, wherever they are typed: far-off years are typing
# mistakes, and date arithmetic near the years 1 and 9999 overflows.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def year_error(year: int) -> str | None:
    """Why a period may not fall in ``year``, or None."""
    if FIRST_YEAR <= year <= LAST_YEAR:
        return None
    return _("Choose a year between %(first)s and %(last)s.") % {
        "first": FIRST_YEAR,
        "last": LAST_YEAR,
    }


def plausible(day: datetime.date) -> None:
    """The validator of a form's or the API's period days."""
    if error := year_error(day.year):
        raise ValidationError(error)


def scope_for(
    organisation: Organisation,
    since: datetime.date,
    until: datetime.date,
    area_code: str | None = None,
    audience: Audience = Audience.INTERNAL,
) -> Scope:
    """A checked scope, or ScopeError saying what is wrong (never what exists)."""
    if error := year_error(since.year) or year_error(until.year):
        raise ScopeError(error)
    if since > until:
        raise ScopeError(_("The period must not end before it starts."))
    if (until - since).days >= MAX_DAYS:
        raise ScopeError(_("The period may be at most three years long."))
    area = None
    if area_code:
        area = Area.objects.filter(organisation=organisation, code=area_code).first()
        if area is None:
            raise ScopeError(_("There is no area with this code."))
        if audience == Audience.EXTERNAL and area.depth > organisation.brief_area_depth:
            raise ScopeError(_("Figures for outside the organisation go no deeper in areas."))
    return Scope(organisation, since, until, area, audience)


def ratio(kind: Kind, numerator: int | None, denominator: int | None) -> float | None:
    if not denominator or numerator is None:
        return None
    if kind == Kind.SHARE:
        return round(100 * numerator / denominator, 1)
    return round(numerator / denominator, 2)


def small(n: int | None, k: int) -> bool:
    return n is not None and 0 < n < k


def ratio_withheld(kind: Kind, numerator: int | None, denominator: int | None, k: int) -> bool:
    if denominator is None or denominator < k:
        return True
    if kind == Kind.MEDIAN:
        return False
    if small(numerator, k):
        return True
    return kind == Kind.SHARE and numerator is not None and small(denominator - numerator, k)


def internal_figure(indicator: Indicator, raw: Raw) -> Figure:
    if indicator.kind == Kind.COUNT:
        value = raw.value if raw.value is not None else raw.numerator
        cells = [
            Cell(by, label, n, False) for by, rows in raw.breakdown.items() for label, n, _d in rows
        ]
        return Figure(indicator, value, value, None, False, cells)
    if indicator.kind == Kind.MEDIAN:
        value = raw.value
    else:
        value = ratio(indicator.kind, raw.numerator, raw.denominator)
    cells = [
        Cell(by, label, ratio(indicator.kind, n, d) if indicator.kind != Kind.MEDIAN else n, False)
        for by, rows in raw.breakdown.items()
        for label, n, d in rows
    ]
    return Figure(indicator, value, raw.numerator, raw.denominator, value is None, cells)


def external_figure(indicator: Indicator, raw: Raw, k: int) -> Figure:
    if indicator.kind == Kind.COUNT:
        total = raw.value if raw.value is not None else raw.numerator
        shown = shown_total(total or 0, k)
        cells = []
        for by, rows in raw.breakdown.items():
            hidden = suppress({i: n for i, (_l, n, _d) in enumerate(rows)}, k, with_total=True)
            cells += [
                Cell(by, label, hidden[i], hidden[i] is None)
                for i, (label, _n, _d) in enumerate(rows)
            ]
        return Figure(indicator, shown, shown, None, shown is None, cells)
    withheld = ratio_withheld(indicator.kind, raw.numerator, raw.denominator, k)
    if indicator.kind == Kind.MEDIAN:
        value = None if withheld else raw.value
        numerator = None
    else:
        value = None if withheld else ratio(indicator.kind, raw.numerator, raw.denominator)
        numerator = None if withheld or (raw.numerator or 0) < k else raw.numerator
    denominator = raw.denominator if raw.denominator is not None and raw.denominator >= k else None
    cells = []
    for by, rows in raw.breakdown.items():
        for label, n, d in rows:
            if indicator.kind == Kind.MEDIAN:
                hide = d is None or d < k
                cells.append(Cell(by, label, None if hide else n, hide))
            else:
                hide = ratio_withheld(indicator.kind, n, d, k)
                cells.append(Cell(by, label, None if hide else ratio(indicator.kind, n, d), hide))
    return Figure(indicator, value, numerator, denominator, value is None, cells)


def compute(scope: Scope, keys: list[str] | None = None) -> list[Figure]:
    """Every indicator the audience may see (or those named in ``keys``)."""
    k = k_of(scope.organisation)
    found = []
    for indicator in catalogue():
        if keys is not None and indicator.key not in keys:
            continue
        if scope.audience == Audience.EXTERNAL and not indicator.external:
            continue
        raw = indicator.compute(scope)
        if scope.audience == Audience.EXTERNAL:
            found.append(external_figure(indicator, raw, k))
        else:
            found.append(internal_figure(indicator, raw))
    return found


def by_key(figures: list[Figure]) -> dict[str, Figure]:
    return {f.key: f for f in figures}
