"""The provisioning sections ``stations:`` and ``allies:``."""

from __future__ import annotations

import datetime

from pydantic import Field

from haki.core.models import Organisation
from haki.partnership.models import Ally, ForceSize, Station
from haki.partnership.people import AllyRow, posting_problems, save_allies
from haki.provisioning import (
    Changes,
    Context,
    Problem,
    ProvisioningError,
    Section,
    Spec,
    assign,
    named,
    register,
    save_all,
)

CODE = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class StationSpec(Spec):
    code: str = Field(min_length=1, max_length=32, pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    kind: Station.Kind = Station.Kind.STATION
    area: str
    force_size: int | None = Field(default=None, ge=0, le=1_000_000)
    force_size_on: datetime.date | None = None


class AllySpec(Spec):
    name: str = Field(min_length=1, max_length=200)
    service_number: str = Field(min_length=1, max_length=64)
    kind: Ally.Kind = Ally.Kind.POLICE
    rank: str = Field(default="", max_length=64)
    roles: list[Ally.Role] = Field(default_factory=list, max_length=6)
    station: str | None = None
    posted_on: datetime.date | None = None
    phone: str | None = None
    consent_listed: bool = False


def check_stations(context: Context, items: list[StationSpec]) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.code in seen:
            context.problem(("stations", i, "code"), f"station {item.code!r} is listed twice")
        seen.add(item.code)
        if item.area not in context.area_codes:
            context.problem(("stations", i, "area"), f"no area with code {item.area!r}")
        if (item.force_size is None) != (item.force_size_on is None):
            context.problem(
                ("stations", i, "force_size_on"), "a force size needs the date it holds for"
            )


def reconcile_stations(org: Organisation, items: list[StationSpec], changes: Changes) -> None:
    stations = {s.code: s for s in Station.objects.filter(organisation=org)} if org.pk else {}
    areas = dict(org.areas.values_list("code", "pk"))
    new, changed, columns, edits = [], [], set(), []
    for index, item in enumerate(items):
        station = stations.get(item.code)
        created = station is None
        if created:
            station = Station(organisation=org, code=item.code)
            new.append(station)
        given = named(item, created)
        values = {f: getattr(item, f) for f in given & {"name", "kind"}}
        if "area" in given:
            values["area_id"] = areas[item.area]
        fields = assign(station, values)
        if not created and fields:
            changed.append(station)
            columns.update(fields)
        edits.append((index, item, station, created, fields))
    save_all(Station, new, changed, columns)
    counts = {
        (f.station_id, f.on): f
        for f in ForceSize.objects.filter(station__organisation=org, station__in=stations.values())
    }
    fresh, recounted = [], []
    for index, item, station, created, fields in edits:
        if item.force_size is not None:
            count = counts.get((station.pk, item.force_size_on))
            if count is None:
                fresh.append(
                    ForceSize(station=station, size=item.force_size, on=item.force_size_on)
                )
                fields.append("force_size")
            elif count.size != item.force_size:
                count.size = item.force_size
                recounted.append(count)
                fields.append("force_size")
        changes.note("stations", index, station, created, [] if created else fields)
    ForceSize.objects.bulk_create(fresh)
    ForceSize.objects.bulk_update(recounted, ["size"])


def check_allies(context: Context, items: list[AllySpec]) -> None:
    codes = {s.code for s in context.items("stations") or []}
    if context.organisation is not None:
        codes |= set(context.organisation.stations.values_list("code", flat=True))
    numbers: dict[str, int] = {}
    phones: dict[str, int] = {}
    for i, item in enumerate(items):
        key = "".join(item.service_number.split()).upper()
        if key in numbers:
            context.problem(
                ("allies", i, "service_number"), f"the same number is at item {numbers[key]}"
            )
        numbers[key] = i
        if item.station is not None and item.station not in codes:
            context.problem(("allies", i, "station"), f"no station with code {item.station!r}")
        if (item.station is None) != (item.posted_on is None):
            context.problem(("allies", i, "posted_on"), "a station needs the date of the posting")
        if item.phone is not None:
            context.check_phone(("allies", i, "phone"), item.phone, phones)


def reconcile_allies(org: Organisation, items: list[AllySpec], changes: Changes) -> None:
    from haki.core.phones import normalise_phone

    stations = {s.code: s for s in Station.objects.filter(organisation=org)}
    rows = []
    for index, item in enumerate(items):
        given = named(item, False) if org.pk else set(AllySpec.model_fields)
        values = {f: getattr(item, f) for f in ("name", "service_number", "kind", "rank")}
        rows.append(
            AllyRow(
                place=index,
                roles=[str(r) for r in item.roles],
                consent_listed=item.consent_listed,
                station=stations.get(item.station or ""),
                posted_on=item.posted_on,
                phone=normalise_phone(item.phone, org.country) if item.phone else "",
                given=given,
                **values,
            )
        )
    problems = posting_problems(rows, org)
    if problems:
        raise ProvisioningError(
            [Problem(None, f"allies[{p.place}].{p.column}", p.reason) for p in problems]
        )
    save_allies(org, rows, changes, "allies")


register(
    Section(
        name="stations",
        item=StationSpec,
        reconcile=reconcile_stations,
        check=check_stations,
        after=("areas",),
        many=True,
    )
)
register(
    Section(
        name="allies",
        item=AllySpec,
        reconcile=reconcile_allies,
        check=check_allies,
        after=("stations", "responders", "escalation"),
        many=True,
    )
)
