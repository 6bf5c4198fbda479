"""``haki import officers`` and ``haki import attendance``: every row or none, each
problem by row and column, never by value."""

from __future__ import annotations

import datetime
import decimal
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from haki.core.importing import Importer, ImportRejected, Problem, register
from haki.core.models import AuditEvent, Organisation
from haki.core.phones import InvalidPhoneNumber, normalise_phone
from haki.core.spreadsheets import Table
from haki.partnership.models import (
    SCORE_MAX,
    Ally,
    Attendance,
    CoTrainer,
    Facilitator,
    Station,
    Training,
    normalise_service_number,
)
from haki.partnership.people import AllyRow, posting_problems, save_allies
from haki.provisioning import Changes
from haki.provisioning.people import chunks

OFFICER_COLUMNS = ["name", "service_number", "rank", "station", "roles", "phone", "posted_on"]
ATTENDANCE_COLUMNS = [
    "training",
    "date",
    "kind",
    "hours",
    "service_number",
    "pre_score",
    "post_score",
    "co_trainers",
]
LEFT = "left"  # the station of an officer who left the force
KINDS = {
    **{k: k for k in Training.Kind.values},
    "in-service": Training.Kind.IN_SERVICE,
    "training-of-trainers": Training.Kind.TOT,
    "community paralegal training": Training.Kind.PARALEGAL,
}


class Rows:
    """Cells by column name, and the problems found, by row and column."""

    def __init__(self, table: Table, columns: Sequence[str], required: Sequence[str]):
        self.header = [" ".join(str(h or "").lower().split()) for h in table.header]
        self.position = {name: self.header.index(name) for name in columns if name in self.header}
        self.problems = [
            Problem(1, _("this column is needed"), name)
            for name in required
            if name not in self.position
        ]
        self.table = table
        self.row = 0

    def cell(self, cells: list[Any], name: str) -> Any:
        position = self.position.get(name)
        if position is None or position >= len(cells) or cells[position] is None:
            return ""
        value = cells[position]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return value.strip() if isinstance(value, str) else value

    def problem(self, column: str, reason: str) -> None:
        self.problems.append(Problem(self.row, reason, column))

    def date(self, cells: list[Any], name: str) -> datetime.date | None:
        value = self.cell(cells, name)
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            self.problem(name, _("write the date as YYYY-MM-DD"))
            return None

    def number(self, cells: list[Any], name: str, top: int) -> decimal.Decimal | None:
        value = self.cell(cells, name)
        if value == "":
            return None
        try:
            number = decimal.Decimal(str(value))
        except decimal.InvalidOperation:
            number = decimal.Decimal(-1)
        if not number.is_finite() or number < 0 or number > top:
            self.problem(name, _("write a number from 0 to %(top)s") % {"top": top})
            return None
        return number

    def rejected(self) -> ImportRejected:
        return ImportRejected(sorted(self.problems, key=lambda p: p.row))


def officer_row(org: Organisation, rows: Rows, stations: dict[str, Station], cells) -> AllyRow:
    values = AllyRow(place=rows.row)
    values.service_number = normalise_service_number(None, str(rows.cell(cells, "service_number")))
    if not values.service_number or len(values.service_number) > 64:
        rows.problem("service_number", _("this is needed, at most 64 characters"))
    values.name = str(rows.cell(cells, "name"))[:200]
    values.rank = str(rows.cell(cells, "rank"))[:64]
    # A blank cell leaves what is known as it is: a transfer row need not repeat it.
    values.given = {name for name in ("name", "rank") if getattr(values, name)}
    station = str(rows.cell(cells, "station"))
    if station.lower() == LEFT:
        values.left = True
    elif station:
        values.station = stations.get(station.lower())
        if values.station is None:
            rows.problem("station", _("no station has this code or name"))
    if station:
        values.posted_on = rows.date(cells, "posted_on")
    roles = [r.strip() for r in str(rows.cell(cells, "roles")).split(";") if r.strip()]
    if any(r not in Ally.Role.values for r in roles):
        rows.problem("roles", _("a role is one of: %(roles)s") % {"roles": ", ".join(Ally.Role)})
    elif roles:
        values.roles = roles
        values.given.add("roles")
    phone = str(rows.cell(cells, "phone"))
    if phone:
        try:
            values.phone = normalise_phone(phone, org.country)
        except InvalidPhoneNumber:
            rows.problem("phone", _("this is not a phone number"))
    return values


def station_names(org: Organisation) -> dict[str, Station]:
    stations = {}
    for station in Station.objects.filter(organisation=org):
        stations[station.name.lower()] = station
        stations[station.code.lower()] = station  # a code wins over a name
    return stations


def import_officers(organisation: Organisation, table: Table, actor: Any) -> int:
    """Create or update one police officer per row, by service number; a row with
    another station and a later date records a transfer (``left``: left the force)."""
    rows = Rows(table, OFFICER_COLUMNS, ("service_number",))
    if rows.problems:
        raise rows.rejected()
    stations = station_names(organisation)
    items, seen = [], {}
    for number, cells in table.rows:
        rows.row = number
        item = officer_row(organisation, rows, stations, cells)
        if item.service_number in seen:
            rows.problem(
                "service_number",
                _("the same number is on row %(row)s") % {"row": seen[item.service_number]},
            )
        seen[item.service_number] = number
        items.append(item)
    if not items:
        raise ImportRejected([Problem(2, _("the file has no rows to import"))])
    if not rows.problems:
        for found in posting_problems(items, organisation):
            rows.row = found.place
            rows.problem(found.column, found.reason)
    if rows.problems:
        raise rows.rejected()
    changes = Changes()
    save_allies(organisation, items, changes, "rows")
    changes.write_audit(organisation, actor)
    return len(items)


def officers_by_number(org: Organisation, numbers: set[str]) -> dict[str, int]:
    """Service number → ally pk, through the index: one query per 500 numbers."""
    ring = org.keyring
    by_index = {ring.index(n): n for n in numbers}
    found = {}
    for chunk in chunks(list(by_index)):
        rows = Ally.objects.filter(organisation=org, service_number_index__in=chunk)
        for pk, index in rows.values_list("pk", "service_number_index"):
            found[by_index[index]] = pk
    return found


def read_attendance(org: Organisation, table: Table) -> tuple[Rows, list[dict[str, Any]]]:
    rows = Rows(table, ATTENDANCE_COLUMNS, ("training", "date", "kind", "service_number"))
    if rows.problems:
        raise rows.rejected()
    read = []
    for number, cells in table.rows:
        rows.row = number
        name = str(rows.cell(cells, "training"))
        if not name or len(name) > 200:
            rows.problem("training", _("this is needed, at most 200 characters"))
        kind = KINDS.get(str(rows.cell(cells, "kind")).lower())
        if kind is None:
            rows.problem("kind", _("this is not a kind of training"))
        pre = rows.number(cells, "pre_score", SCORE_MAX)
        post = rows.number(cells, "post_score", SCORE_MAX)
        read.append(
            {
                "row": number,
                "training": name,
                "date": rows.date(cells, "date"),
                "kind": kind,
                "hours": rows.number(cells, "hours", 1000),
                "number": normalise_service_number(None, str(rows.cell(cells, "service_number"))),
                "pre": int(pre) if pre is not None else None,
                "post": int(post) if post is not None else None,
                "co_trainers": [
                    a.strip() for a in str(rows.cell(cells, "co_trainers")).split(";") if a.strip()
                ],
            }
        )
    return rows, read


def import_attendance(organisation: Organisation, table: Table, actor: Any) -> int:
    """One attendance per row; rows with the same training and date are one training.
    An unknown service number is refused by row."""
    rows, read = read_attendance(organisation, table)
    if not read:
        raise ImportRejected([Problem(2, _("the file has no rows to import"))])
    officers = officers_by_number(organisation, {r["number"] for r in read if r["number"]})
    seen: dict[tuple, int] = {}
    kinds: dict[tuple, str] = {}
    for r in read:
        rows.row = r["row"]
        if r["number"] not in officers:
            rows.problem("service_number", _("no officer has this service number"))
        key = (r["training"], r["date"])
        if kinds.setdefault(key, r["kind"]) != r["kind"]:
            rows.problem("kind", _("the same training has another kind on another row"))
        if (key, r["number"]) in seen:
            rows.problem(
                "service_number",
                _("the same number is on row %(row)s") % {"row": seen[(key, r["number"])]},
            )
        seen[(key, r["number"])] = r["row"]
    co_trainers = co_trainers_of(organisation, rows, read)
    if rows.problems:
        raise rows.rejected()
    trainings = save_trainings(organisation, kinds, actor)
    save_attendance(organisation, read, trainings, officers)
    save_co_trainers(trainings, co_trainers)
    # One event per training, not per row: who recorded its attendance, and when.
    touched = Training.objects.filter(pk__in=set(trainings.values()))
    AuditEvent.record_many(actor, [(AuditEvent.Action.CHANGE, t) for t in touched], organisation)
    return len(read)


def co_trainers_of(org: Organisation, rows: Rows, read: list[dict]) -> dict[tuple, set[int]]:
    """Members named as co-trainers of each training, by alias (whatever its case):
    only members who agreed to be named; an alias two of them share is refused."""
    if not any(r["co_trainers"] for r in read):
        return {}
    agreed: dict[str, list[int]] = defaultdict(list)
    for pk, alias in CoTrainer.objects.filter(
        organisation=org, member__erased_on__isnull=True
    ).values_list("member_id", "member__alias"):
        agreed[alias.lower()].append(pk)
    found: dict[tuple, set[int]] = defaultdict(set)
    for r in read:
        rows.row = r["row"]
        for alias in r["co_trainers"]:
            members = agreed.get(alias.lower(), [])
            if len(members) == 1:
                found[(r["training"], r["date"])].add(members[0])
            elif members:
                rows.problem("co_trainers", _("several members who agreed share this alias"))
            else:
                rows.problem("co_trainers", _("no member who agreed to co-train has this alias"))
    return found


def save_co_trainers(trainings: dict[tuple, int], co_trainers: dict[tuple, set[int]]) -> None:
    wanted = {(trainings[key], m) for key, members in co_trainers.items() for m in members}
    have = set(
        Facilitator.objects.filter(
            training_id__in={t for t, _m in wanted}, member__isnull=False
        ).values_list("training_id", "member_id")
    )
    Facilitator.objects.bulk_create(
        Facilitator(training_id=t, member_id=m, member_consented=True)
        for t, m in sorted(wanted - have)
    )


def save_trainings(org: Organisation, kinds: dict[tuple, str], actor: Any) -> dict[tuple, int]:
    existing = {
        (t.name, t.starts_on): t.pk
        for t in Training.objects.filter(organisation=org, starts_on__in={d for _n, d in kinds})
    }
    new = [
        Training(organisation=org, name=name, starts_on=day, ends_on=day, kind=kind)
        for (name, day), kind in kinds.items()
        if (name, day) not in existing
    ]
    Training.objects.bulk_create(new)
    AuditEvent.record_many(actor, [(AuditEvent.Action.CREATE, t) for t in new], org)
    existing.update({(t.name, t.starts_on): t.pk for t in new})
    return existing


def save_attendance(org, read, trainings: dict[tuple, int], officers: dict[str, int]) -> None:
    wanted = {(trainings[(r["training"], r["date"])], officers[r["number"]]): r for r in read}
    have = {}
    for chunk in chunks(sorted(set(trainings.values()))):
        for att in Attendance.objects.filter(training_id__in=chunk):
            have[(att.training_id, att.ally_id)] = att
    new, changed = [], []
    for (training, ally), r in wanted.items():
        att = have.get((training, ally)) or Attendance(
            organisation=org, training_id=training, ally_id=ally
        )
        att.hours, att.pre_score, att.post_score = r["hours"], r["pre"], r["post"]
        (changed if att.pk else new).append(att)
    Attendance.objects.bulk_create(new, batch_size=1000)
    Attendance.objects.bulk_update(changed, ["hours", "pre_score", "post_score"], batch_size=500)


register(
    Importer(
        kind="officers",
        columns=OFFICER_COLUMNS,
        run=import_officers,
        help="police officers by service number; a later posting records a transfer",
    )
)
register(
    Importer(
        kind="attendance",
        columns=ATTENDANCE_COLUMNS,
        run=import_attendance,
        help="who attended which training, with pre- and post-test scores",
    )
)
