"""Case lists as spreadsheets. The columns start with those the importer reads, so an
export can be imported again; the officer and narrative columns, being the most
identifying, are included only when asked for."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.db.models import QuerySet

from haki.cases.models import Case
from haki.core.spreadsheets import Value

IMPORT_COLUMNS = [
    "date",
    "area",
    "place",
    "violations",
    "perpetrator",
    "unit",
    "actions",
    "outcome",
    "consent_reports",
    "consent_police",
    "narrative",
]
EXTRA_COLUMNS = ["number", "time", "date_is_approximate", "people_affected", "outcome_date"]


def header(personal: bool) -> list[str]:
    columns = [c for c in IMPORT_COLUMNS if personal or c != "narrative"]
    return columns + EXTRA_COLUMNS + (["officer"] if personal else [])


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def rows(cases: QuerySet[Case], personal: bool) -> Iterator[Sequence[Value]]:
    chosen = (
        cases.select_related("area", "organisation")
        .prefetch_related("violations", "actions")
        .order_by("occurred_on", "number")
    )
    for case in chosen.iterator(chunk_size=2000):
        row: list[Value] = [
            case.occurred_on,
            case.area.code,
            case.place,
            ";".join(sorted(v.key for v in case.violations.all())),
            case.perpetrator,
            case.unit,
            ";".join(a.action for a in case.actions.all()),
            case.outcome,
            yes_no(case.consent_reports),
            yes_no(case.consent_police),
        ]
        if personal:
            row.append(case.narrative)
        row += [
            case.number,
            case.occurred_at.strftime("%H:%M") if case.occurred_at else "",
            yes_no(case.date_is_approximate),
            case.people_affected,
            case.outcome_on,
        ]
        if personal:
            row.append(case.officer)
        yield row
