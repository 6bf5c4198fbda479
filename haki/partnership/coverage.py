"""Coverage and turnover of training, for any date and any area (an area includes
the areas below it). Everything is computed from the history (postings, force-size
counts, attendance) loaded in four queries, so any past date gives the figure it
had then, and a chart over time costs no query per point. docs/partnership.md
defines each figure."""

from __future__ import annotations

import bisect
import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import CharField
from django.db.models.functions import Cast

from haki.core.models import Area, Organisation
from haki.partnership.models import Ally, Attendance, ForceSize, Posting, Station

NEW_POSTING_DAYS = 90
TURNOVER_DAYS = 365
NOT_YET = datetime.date.max


def rows_of(query) -> list[tuple]:
    """The rows of ``query`` straight from the database cursor: at tens of thousands
    of rows, Django's per-row conversions are most of the page's time."""
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def as_text(column: str) -> Cast:
    """A date column read as ISO text, which Python parses faster than Django does."""
    return Cast(column, output_field=CharField())


def as_date(value: datetime.date | str) -> datetime.date:
    """SQLite hands dates back as ISO text; PostgreSQL as dates."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


@dataclass
class History:
    """An organisation's postings, counts and attendance, as plain tuples."""

    stations: dict[int, tuple[int, str, str]]  # pk → (area, code, name)
    postings: list[tuple[datetime.date, int, int, int | None]]  # (day, pk, ally, station)
    counts: dict[int, tuple[list[datetime.date], list[int]]]  # station → (days, sizes)
    first_trained: dict[int, datetime.date]  # ally → last day of their first training
    scores: list[tuple[int, datetime.date, int, int]]  # (ally, day, pre, post)
    focal: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, org: Organisation) -> History:
        stations = {
            pk: (area, code, name)
            for pk, area, code, name in Station.objects.filter(organisation=org).values_list(
                "pk", "area_id", "code", "name"
            )
        }
        postings = sorted(
            (as_date(day), pk, ally, station)
            for day, pk, ally, station in rows_of(
                Posting.objects.filter(organisation=org)
                .annotate(day=as_text("started_on"))
                .values_list("day", "pk", "ally_id", "station_id")
            )
        )
        counts: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
        rows = ForceSize.objects.filter(station__organisation=org).order_by("station_id", "on")
        for station, on, size in rows.values_list("station_id", "on", "size"):
            counts[station][0].append(on)
            counts[station][1].append(size)
        first: dict[int, datetime.date] = {}
        scores = []
        attended = Attendance.objects.filter(organisation=org, ally__kind=Ally.Kind.POLICE)
        for ally, day, pre, post in rows_of(
            attended.annotate(day=as_text("training__ends_on")).values_list(
                "ally_id", "day", "pre_score", "post_score"
            )
        ):
            day = as_date(day)
            if day < first.get(ally, NOT_YET):
                first[ally] = day
            if pre is not None and post is not None:
                scores.append((ally, day, pre, post))
        allies = Ally.objects.filter(organisation=org, roles_text__contains="focal_point")
        focal = set(allies.values_list("pk", flat=True))
        return cls(stations, postings, dict(counts), first, scores, focal)

    def stations_in(self, area: Area | None) -> set[int]:
        if area is None:
            return set(self.stations)
        areas = set(area.subtree())
        return {pk for pk, (a, _c, _n) in self.stations.items() if a in areas}

    def posted(self, day: datetime.date) -> dict[int, tuple[int | None, datetime.date]]:
        """Each officer's station (None: left) on ``day``, with the posting's date."""
        where: dict[int, tuple[int | None, datetime.date]] = {}
        end = bisect.bisect_right(self.postings, (day, float("inf")))
        for started, _pk, ally, station in self.postings[:end]:
            where[ally] = (station, started)
        return where

    def force_size(self, station: int, day: datetime.date) -> int:
        days, sizes = self.counts.get(station, ([], []))
        at = bisect.bisect_right(days, day)
        return sizes[at - 1] if at else 0

    def trained(self, ally: int, day: datetime.date) -> bool:
        return self.first_trained.get(ally, NOT_YET) <= day


@dataclass
class StationRow:
    pk: int
    code: str
    name: str
    force_size: int
    posted: int
    trained: int

    @property
    def pct(self) -> float | None:
        return percent(self.trained, self.force_size)


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Coverage:
    """The figures of one area on one day."""

    day: datetime.date
    force_size: int
    posted: int
    trained: int
    stations: list[StationRow]
    new_untrained: list[int]  # allies posted in the last 90 days, not trained
    trained_a_year_ago: int
    transferred_out: int
    mean_gain: float | None
    invite: list[int]  # allies to invite next, focal points and newest postings first

    @property
    def pct(self) -> float | None:
        return percent(self.trained, self.force_size)

    @property
    def stations_without_trained(self) -> list[StationRow]:
        return [row for row in self.stations if row.trained == 0]

    @property
    def turnover_pct(self) -> float | None:
        return percent(self.transferred_out, self.trained_a_year_ago)


def coverage(history: History, area: Area | None, day: datetime.date) -> Coverage:
    inside = history.stations_in(area)
    where = history.posted(day)
    here = {ally: (st, since) for ally, (st, since) in where.items() if st in inside}
    trained = {ally for ally in here if history.trained(ally, day)}
    rows = {
        pk: StationRow(pk, history.stations[pk][1], history.stations[pk][2], 0, 0, 0)
        for pk in sorted(inside, key=lambda pk: history.stations[pk][1])
    }
    for pk, row in rows.items():
        row.force_size = history.force_size(pk, day)
    for ally, (station, _since) in here.items():
        rows[station].posted += 1
        rows[station].trained += ally in trained
    recent = day - datetime.timedelta(days=NEW_POSTING_DAYS)
    new_untrained = [a for a, (_s, since) in here.items() if since > recent and a not in trained]
    year_ago = day - datetime.timedelta(days=TURNOVER_DAYS)
    then = history.posted(year_ago)
    cohort = [a for a, (st, _s) in then.items() if st in inside and history.trained(a, year_ago)]
    gains = [post - pre for ally, end, pre, post in history.scores if end <= day and ally in here]
    invite = sorted(
        (a for a in here if a not in trained),
        key=lambda a: (a not in history.focal, -here[a][1].toordinal(), a),
    )
    return Coverage(
        day=day,
        force_size=sum(row.force_size for row in rows.values()),
        posted=len(here),
        trained=len(trained),
        stations=list(rows.values()),
        new_untrained=sorted(new_untrained),
        trained_a_year_ago=len(cohort),
        transferred_out=sum(1 for a in cohort if a not in here),
        mean_gain=round(sum(gains) / len(gains), 1) if gains else None,
        invite=invite,
    )


def timeline(
    history: History, area: Area | None, days: list[datetime.date]
) -> list[tuple[datetime.date, float | None]]:
    """Coverage at each of ``days`` (in order), in one pass over the postings."""
    inside = history.stations_in(area)
    # How many officers posted inside finished their first training on each day: a
    # point then sums a few dozen training days, not every officer.
    inside_first: dict[int, datetime.date] = {}
    by_day: Counter[datetime.date] = Counter()
    points, at = [], 0
    for day in days:
        while at < len(history.postings) and history.postings[at][0] <= day:
            _started, _pk, ally, station = history.postings[at]
            if ally in inside_first:
                by_day[inside_first.pop(ally)] -= 1
            if station in inside:
                inside_first[ally] = history.first_trained.get(ally, NOT_YET)
                by_day[inside_first[ally]] += 1
            at += 1
        trained = sum(n for finished, n in by_day.items() if finished <= day)
        force = sum(history.force_size(pk, day) for pk in inside)
        points.append((day, percent(trained, force)))
    return points


def month_ends(day: datetime.date, months: int = 12) -> list[datetime.date]:
    """The last day of each of the ``months`` months before ``day``, then ``day``."""
    ends, first = [], day.replace(day=1)
    for _ in range(months):
        first_of_previous = (first - datetime.timedelta(days=1)).replace(day=1)
        ends.append(first - datetime.timedelta(days=1))
        first = first_of_previous
    return [*reversed(ends), day]


# Indicators owned by this app: one plain function each, over a period and an area
# (None: the whole organisation), for the catalogue in haki/reports.


def officers_trained(
    organisation: Organisation, area: Area | None, start: datetime.date, end: datetime.date
) -> int:
    """Distinct officers who finished a training in the period while posted in the area."""
    history = History.load(organisation)
    inside = history.stations_in(area)
    attended = Attendance.objects.filter(
        organisation=organisation,
        ally__kind=Ally.Kind.POLICE,
        training__ends_on__gte=start,
        training__ends_on__lte=end,
    ).values_list("ally_id", "training__ends_on")
    by_day: dict[datetime.date, set[int]] = defaultdict(set)
    for ally, day in attended:
        by_day[day].add(ally)
    found = set()
    for day, allies in by_day.items():
        where = history.posted(day)
        found |= {a for a in allies if where.get(a, (None,))[0] in inside}
    return len(found)


def force_size(
    organisation: Organisation, area: Area | None, start: datetime.date, end: datetime.date
) -> int:
    """Officers in the area's stations as last counted on or before the period's end."""
    history = History.load(organisation)
    return sum(history.force_size(pk, end) for pk in history.stations_in(area))


def training_coverage_pct(
    organisation: Organisation, area: Area | None, start: datetime.date, end: datetime.date
) -> float | None:
    """Trained officers posted in the area at the period's end, over its force size."""
    return coverage(History.load(organisation), area, end).pct
