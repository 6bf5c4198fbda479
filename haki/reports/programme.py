"""The Programme page's figures: each indicator for the chosen period, the period before
it and the same period a year earlier."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace

from django.utils.translation import gettext as _

from haki.core.spreadsheets import Value, csv_bytes, xlsx_bytes
from haki.reports.catalogue import Scope
from haki.reports.figures import Figure, by_key, compute


@dataclass
class Row:
    now: Figure
    previous: Figure | None
    last_year: Figure | None

    @property
    def chart(self) -> dict[str, object]:
        return {
            "key": self.now.key,
            "values": [f.value if f else None for f in (self.last_year, self.previous, self.now)],
        }


def a_year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def previous(scope: Scope) -> Scope:
    length = scope.until - scope.since
    until = scope.since - datetime.timedelta(days=1)
    return replace(scope, since=until - length, until=until)


def last_year(scope: Scope) -> Scope:
    return replace(scope, since=a_year_before(scope.since), until=a_year_before(scope.until))


def comparison(scope: Scope) -> list[Row]:
    before, year = by_key(compute(previous(scope))), by_key(compute(last_year(scope)))
    return [Row(f, before.get(f.key), year.get(f.key)) for f in compute(scope)]


def header() -> list[str]:
    return [
        _("Indicator"),
        _("Breakdown"),
        _("Value"),
        _("Numerator"),
        _("Denominator"),
        _("Previous period"),
        _("Same period last year"),
    ]


def table(rows: list[Row]) -> list[list[Value]]:
    """One line per indicator, then one per breakdown cell; withheld values empty."""
    lines: list[list[Value]] = []
    for row in rows:
        f = row.now
        old = [
            row.previous.value if row.previous else None,
            row.last_year.value if row.last_year else None,
        ]
        lines.append([f.key, "", f.value, f.numerator, f.denominator, *old])
        for cell in f.breakdown:
            lines.append([f.key, f"{cell.by}: {cell.label}", cell.value, None, None, None, None])
    return lines


def as_file(rows: list[Row], file_format: str) -> bytes:
    if file_format == "xlsx":
        return xlsx_bytes([(_("Indicators"), header(), table(rows))])
    return csv_bytes(header(), table(rows))
