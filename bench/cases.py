"""The patterns page and the review-meeting briefs over a million cases on this machine.

- How long the patterns page's figures take over every case of an organisation.
- How long the brief over five years takes, for the review meeting and for police.

    .venv/bin/python -m bench.cases [--cases 1000000] [--database sqlite|URL]

By default it runs on SQLite and on PostgreSQL (when reachable). Each run builds a
fresh database (a SQLite file, or a new database on the PostgreSQL server) in a process
of its own, as Django's settings are fixed once per process, fills it with one
organisation's cases, then times the figures: the first run, then the best of three.

Target (issue: patterns at scale): the patterns page's figures in under 1 s on
PostgreSQL."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.postgres import measured_in_child, measured_on_each

RESULTS = Path(__file__).with_name("results-cases.json")
TARGET_S = 1.0
UNTIL = datetime.date(2025, 6, 30)
SINCE = datetime.date(2020, 7, 1)
CHUNK = 50_000
RUNS = 3

# Skewed as in real documentation: mostly regular police on the street or at the
# station, most cases still without an outcome.
PERPETRATORS = {
    "regular_police": 46,
    "administrative_police": 12,
    "municipal_officer": 10,
    "anti_narcotics": 8,
    "other_official": 2,
    "client": 12,
    "partner": 5,
    "public": 5,
}
OFFICIALS = {
    "regular_police",
    "administrative_police",
    "municipal_officer",
    "anti_narcotics",
    "other_official",
}
PLACES = {
    "street": 40,
    "police_station": 20,
    "bar_or_lodge": 15,
    "home": 9,
    "drop_in_centre": 4,
    "court": 3,
    "clinic": 3,
    "other": 6,
}
OUTCOMES = {
    "": 55,
    "unresolved": 18,
    "released": 15,
    "charges_dropped": 6,
    "officer_reprimanded": 3,
    "compensation": 1.5,
    "officer_dismissed": 0.8,
    "officer_charged": 0.7,
}
SOURCES = {"direct": 80, "alert": 15, "import": 5}
VIOLATIONS_PER_CASE = {1: 60, 2: 30, 3: 10}
POSITIVE_SHARE = 0.08  # of the violation types recorded, those that are good acts
NARRATIVE = (
    "Two officers stopped her near the market after dark, asked for money and took the "
    "condoms she carried as evidence. They held her overnight without charge and let her "
    "go in the morning after a paralegal came. She wants it raised at the next meeting."
)

CASE_COLUMNS = (
    "id",
    "uuid",
    "organisation_id",
    "number",
    "source",
    "status",
    "occurred_on",
    "occurred_at",
    "date_is_approximate",
    "area_id",
    "place",
    "perpetrator",
    "unit",
    "officer_sealed",
    "people_affected",
    "outcome",
    "outcome_on",
    "consent_reports",
    "consent_police",
    "narrative_sealed",
    "created_on",
    "modified_on",
)


def zipf(count: int, s: float = 1.0) -> list[float]:
    return [1 / (rank**s) for rank in range(1, count + 1)]


def share(weights: list[float], total: float) -> list[float]:
    return [total * w / sum(weights) for w in weights]


def area_tree(rng: random.Random) -> list[tuple[str, str, str | None]]:
    """(code, name, parent code): 3 regions, 12 districts (depth 1), 48 hotspots."""
    areas: list[tuple[str, str, str | None]] = []
    for r in range(1, 4):
        areas.append((f"R{r}", f"Region {r}", None))
        for d in range(1, 5):
            district = f"R{r}-D{d}"
            areas.append((district, f"District {r}.{d}", f"R{r}"))
            for h in range(1, 5):
                areas.append((f"{district}-H{h}", f"Hotspot {r}.{d}.{h}", district))
    return areas


class Shape:
    """What one organisation's cases look like: the choices and their weights."""

    def __init__(self, organisation: Any, areas: dict[str, int], rng: random.Random):
        from haki.cases.models import ViolationType

        self.rng = rng
        self.organisation_id = organisation.pk
        # Most cases are recorded at a hotspot, some only at the district; a few places
        # see most of it.
        codes = sorted(areas)
        hotspots = [c for c in codes if c.count("-") == 2]
        districts = [c for c in codes if c.count("-") == 1]
        rng.shuffle(hotspots)
        rng.shuffle(districts)
        self.area_ids = [areas[c] for c in hotspots + districts]
        self.area_weights = [0.85 * w for w in zipf(len(hotspots), 0.8)] + [
            0.15 * w for w in zipf(len(districts), 0.8)
        ]
        stations = [f"Station {n:03d}" for n in range(1, 181)]
        units = [f"Unit {n:02d}" for n in range(1, 21)]
        self.units = stations + units
        rng.shuffle(self.units)
        self.unit_weights = zipf(len(self.units), 1.1)
        types = list(ViolationType.objects.filter(organisation=organisation).order_by("position"))
        abuses = [t.pk for t in types if t.kind == "abuse"]
        positives = [t.pk for t in types if t.kind == "positive"]
        self.type_ids = abuses + positives
        self.type_weights = share(zipf(len(abuses), 0.7), 1 - POSITIVE_SHARE) + share(
            zipf(len(positives)), POSITIVE_SHARE
        )
        keyring = organisation.keyring
        self.narrative = keyring.seal(NARRATIVE)
        self.officer = keyring.seal("Corporal with a scar on the left hand, badge not seen")
        self.days = [(SINCE + datetime.timedelta(days=d)).isoformat() for d in range(self.span)]

    @property
    def span(self) -> int:
        return (UNTIL - SINCE).days + 1

    def pick(self, weights: dict[Any, float], count: int) -> list[Any]:
        return self.rng.choices(list(weights), list(weights.values()), k=count)

    def recorded_days(self, count: int) -> list[int]:
        """The day each case was recorded, in order: more is documented as a programme
        grows, so the density rises over the five years."""
        return sorted(
            min(int(self.span * self.rng.random() ** 0.7), self.span - 1) for _ in range(count)
        )

    def cases(self, first_id: int, recorded: list[int]) -> tuple[list[tuple], list[tuple]]:
        """Case rows numbered on from ``first_id``, one recorded on each of ``recorded``
        (in order, as cases are entered), and their violation links."""
        rng = self.rng
        count = len(recorded)
        perpetrators = self.pick(PERPETRATORS, count)
        places = self.pick(PLACES, count)
        outcomes = self.pick(OUTCOMES, count)
        sources = self.pick(SOURCES, count)
        areas = rng.choices(self.area_ids, self.area_weights, k=count)
        units = rng.choices(self.units, self.unit_weights, k=count)
        sizes = self.pick(VIOLATIONS_PER_CASE, count)
        kinds = rng.choices(self.type_ids, self.type_weights, k=sum(sizes))
        rows: list[tuple] = []
        links: list[tuple] = []
        at = 0
        for i in range(count):
            pk = first_id + i
            draw, consent, size = rng.random(), rng.random(), rng.random()
            # Most are recorded within days; imported ones up to two years later.
            late = int(draw * 700) if sources[i] == "import" else int(draw * 6)
            day = max(recorded[i] - late, 0)
            occurred_on = self.days[day]
            outcome = outcomes[i]
            official = perpetrators[i] in OFFICIALS
            entered = f"{self.days[recorded[i]]} 10:{i % 60:02d}:00"
            rows.append(
                (
                    pk,
                    f"{rng.getrandbits(128):032x}",
                    self.organisation_id,
                    pk,
                    sources[i],
                    "recorded",
                    occurred_on,
                    None if draw < 0.3 else f"{int(draw * 24) % 24:02d}:{i % 60:02d}:00",
                    draw > 0.9,
                    areas[i],
                    places[i],
                    perpetrators[i],
                    units[i] if official and draw < 0.8 else "",
                    self.officer if official and draw < 0.1 else "",
                    1 if size < 0.85 else 2 + int(size * 40) % 5,
                    outcome,
                    self.days[min(day + 3 + i % 60, self.span - 1)] if outcome else None,
                    consent < 0.7,
                    consent < 0.3,
                    self.narrative,
                    entered,
                    entered,
                )
            )
            for type_id in dict.fromkeys(kinds[at : at + sizes[i]]):
                # A link carries copies of its case's organisation, date and consent.
                links.append((pk, type_id, self.organisation_id, occurred_on, consent < 0.3))
            at += sizes[i]
        return rows, links


LINK_COLUMNS = ("case_id", "violationtype_id", "organisation_id", "occurred_on", "consent_police")


def setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haki.settings.test")
    django.setup()


def generate(count: int, seed: int = 7) -> tuple[Any, int]:
    """One organisation with ``count`` cases; returns it and the number of links."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from haki.cases.models import Case, CaseViolation, ViolationType
    from haki.core.models import Area, Organisation

    rng = random.Random(seed)  # noqa: S311 - data for a benchmark
    organisation = Organisation.objects.create(
        slug="bench-cases", name="Bench Cases", country="KE", timezone="Africa/Nairobi"
    )
    ViolationType.seed(organisation)  # kept if already seeded on creation
    areas: dict[str, int] = {}
    for code, name, parent in area_tree(rng):
        area = Area.objects.create(
            organisation=organisation, code=code, name=name, parent_id=parent and areas[parent]
        )
        areas[code] = area.pk
    shape = Shape(organisation, areas, rng)
    through = CaseViolation._meta.db_table
    postgres = connection.vendor == "postgresql"
    links = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres and superuser(cursor):
            # The rows refer only to what was made just above: checking 2.5 million
            # references one by one at commit would take as long as loading them.
            cursor.execute("SET LOCAL session_replication_role = replica")
        recorded = shape.recorded_days(count)
        for first in range(0, count, CHUNK):
            rows, pairs = shape.cases(first + 1, recorded[first : first + CHUNK])
            links += len(pairs)
            if postgres:
                copy_rows(cursor.cursor, Case._meta.db_table, CASE_COLUMNS, rows)
                copy_rows(cursor.cursor, through, LINK_COLUMNS, pairs)
            else:
                insert_rows(cursor, Case._meta.db_table, CASE_COLUMNS, rows)
                insert_rows(cursor, through, LINK_COLUMNS, pairs)
        for statement in connection.ops.sequence_reset_sql(no_style(), [Case]):
            cursor.execute(statement)
    with connection.cursor() as cursor:
        if postgres:
            # As a production database is once autovacuum has been by.
            cursor.execute(f'VACUUM ANALYZE "{Case._meta.db_table}"')
            cursor.execute(f'VACUUM ANALYZE "{through}"')
        else:
            cursor.execute("ANALYZE")
    return organisation, links


def superuser(cursor: Any) -> bool:
    cursor.execute("SHOW is_superuser")
    return cursor.fetchone()[0] == "on"


def copy_rows(cursor: Any, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def insert_rows(cursor: Any, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)  # noqa: S608


def timed(work: Callable[[], Any]) -> tuple[float, float, Any]:
    """The first run's wall time, the best of the next ``RUNS``, and what it gave."""
    times = []
    for _ in range(RUNS + 1):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return times[0], min(times[1:]), result


def run_here(count: int) -> dict[str, float]:
    """Inside the benchmark's own process, on the database its settings name."""
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from haki.cases import patterns
    from haki.cases.forms import CaseFilterForm
    from haki.reports import brief
    from haki.reports.brief import Audience

    call_command("migrate", verbosity=0, interactive=False)
    print(f"  generating {count:,} cases on {connection.vendor} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    organisation, links = generate(count)
    generate_s = time.perf_counter() - started
    print(f"  {generate_s:.1f} s, {links:,} violation links", file=sys.stderr, flush=True)

    patterns_cold, patterns_s, page = timed(
        # As the page does with no filter chosen.
        lambda: patterns.for_filters(organisation, CaseFilterForm(organisation=organisation))
    )
    assert page["cases"] == count, page["cases"]
    figures = {"patterns_cold_s": patterns_cold, "patterns_s": patterns_s}
    for audience in Audience:
        cold, best, made = timed(
            lambda audience=audience: brief.build(organisation, SINCE, UNTIL, audience)
        )
        assert made.tables, audience
        figures[f"brief_{audience}_cold_s"] = cold
        figures[f"brief_{audience}_s"] = best
    return {
        "cases": count,
        "links": links,
        "generate_s": round(generate_s, 1),
        **{name: round(value, 3) for name, value in figures.items()},
        "brief_s": round(max(figures["brief_internal_s"], figures["brief_police_s"]), 3),
    }


def measure(database: str, cases: int = 1_000_000) -> dict[str, float]:
    """The figures on ``database``: "sqlite", or a PostgreSQL server URL on which a
    fresh database is made for the run and dropped afterwards.

    ``patterns_s`` and ``brief_s`` are the best of three runs (``brief_s``: the slower
    of the two audiences); ``*_cold_s`` the first run after the cases were loaded."""
    return measured_in_child(database, "cases", ["--cases", str(cases)])


ROWS = (
    ("generate_s", "generating the cases (s)", ""),
    ("patterns_cold_s", "patterns, first run (s)", ""),
    ("patterns_s", "patterns, best of 3 (s)", f"< {TARGET_S:g} on PostgreSQL"),
    ("brief_internal_cold_s", "brief, review meeting, first (s)", ""),
    ("brief_internal_s", "brief, review meeting, best (s)", ""),
    ("brief_police_cold_s", "brief, police, first (s)", ""),
    ("brief_police_s", "brief, police, best (s)", ""),
)


def table(results: dict[str, dict[str, float]]) -> str:
    names = list(results)
    lines = [f"{'figure':<36}" + "".join(f"{n:>12}" for n in names) + "  target"]
    for key, label, target in ROWS:
        cells = "".join(f"{results[n].get(key, ''):>12}" for n in names)
        lines.append(f"{label:<36}{cells}  {target}".rstrip())
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--database", help="sqlite or a PostgreSQL server URL (default: both)")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        print(json.dumps(run_here(args.cases)))
        return
    results = measured_on_each(args.database, lambda database: measure(database, args.cases))
    print(f"{args.cases:,} cases")
    print(table(results))
    RESULTS.write_text(json.dumps({"cases": args.cases, **results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
