"""Creating and updating allies in bulk, by service number: what the ``allies:``
section of a provisioning file and ``haki import officers`` both write with. A few
statements whatever the number of rows; a transfer is a new posting, never an edit."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from haki.core.models import Organisation
from haki.crisis.alerts import POLICE_TIER
from haki.crisis.models import Responder
from haki.partnership.models import Ally, Posting, Station, normalise_service_number
from haki.provisioning import Changes, save_all
from haki.provisioning.people import by_phone, chunks, set_links, set_phone


@dataclass
class AllyRow:
    """One ally as a file gives it; ``given`` names the fields it gives (the others
    are left as they are on an ally that exists)."""

    place: Any  # where in the file: an item's index, or a row number
    service_number: str = ""
    name: str = ""
    kind: str = Ally.Kind.POLICE
    rank: str = ""
    roles: list[str] = field(default_factory=list)
    consent_listed: bool = False
    station: Station | None = None
    posted_on: datetime.date | None = None
    left: bool = False  # the officer left the force on posted_on
    phone: str = ""  # E.164
    given: set[str] = field(default_factory=set)


@dataclass
class RowProblem:
    place: Any
    column: str
    reason: str


def existing_allies(org: Organisation, rows: Sequence[AllyRow]) -> dict[str, Ally]:
    """The organisation's allies by service-number index, one query per 500 rows."""
    ring = org.keyring
    indexes = [ring.index(normalise_service_number(None, r.service_number)) for r in rows]
    found: dict[str, Ally] = {}
    if org.pk is None:
        return found
    for chunk in chunks(indexes):
        for ally in Ally.objects.filter(organisation=org, service_number_index__in=chunk):
            ally.organisation = org
            found[ally.service_number_index] = ally
    return found


def latest_postings(allies: Sequence[Ally]) -> dict[int, Posting]:
    latest: dict[int, Posting] = {}
    pks = [a.pk for a in allies if a.pk]
    for chunk in chunks(pks):
        for posting in Posting.objects.filter(ally_id__in=chunk).order_by("started_on", "pk"):
            latest[posting.ally_id] = posting
    return latest


def posting_problems(rows: Sequence[AllyRow], org: Organisation) -> list[RowProblem]:
    """A posting must come after the officer's current one when it names another
    station: an earlier date would rewrite where the officer was."""
    known = existing_allies(org, rows)
    latest = latest_postings(list(known.values()))
    ring, problems = org.keyring, []
    for row in rows:
        if row.posted_on is None or (row.station is None and not row.left):
            continue
        ally = known.get(ring.index(normalise_service_number(None, row.service_number)))
        current = latest.get(ally.pk) if ally else None
        station_id = row.station.pk if row.station else None
        if refusal := Posting.refusal(current, station_id, row.posted_on):
            problems.append(RowProblem(row.place, "posted_on", refusal))
    return problems


def _apply(ally: Ally, row: AllyRow, created: bool) -> list[str]:
    fields = []
    for name in ("kind", "rank", "consent_listed") if created else row.given:
        if name in ("kind", "rank", "consent_listed") and getattr(ally, name) != getattr(row, name):
            setattr(ally, name, getattr(row, name))
            fields.append(name)
    if "roles" in row.given or created:
        before = ally.roles_text
        ally.roles = row.roles
        if ally.roles_text != before:
            fields.append("roles_text")
    if row.name and ("name" in row.given or created) and (created or ally.name != row.name):
        ally.name = row.name
        fields.append("name_sealed")
    return fields


def save_allies(org: Organisation, rows: Sequence[AllyRow], changes: Changes, section: str) -> None:
    """Create or update one ally per row, by service number; record transfers."""
    known = existing_allies(org, rows)
    new, changed, columns, edits = [], [], set(), []
    for row in rows:
        index = org.keyring.index(normalise_service_number(None, row.service_number))
        ally = known.get(index)
        created = ally is None
        if created:
            ally = Ally(organisation=org)
            ally.service_number = row.service_number
            known[index] = ally
            new.append(ally)
        fields = _apply(ally, row, created)
        if not created and fields:
            changed.append(ally)
            columns.update(fields)
        edits.append((row, ally, created, fields))
    save_all(Ally, new, list({id(a): a for a in changed}.values()), columns)
    save_postings(org, edits)
    save_responders(org, edits)
    for row, ally, created, fields in edits:
        changes.note(section, row.place, ally, created, [] if created else fields)


def save_postings(org: Organisation, edits: list[tuple[AllyRow, Ally, bool, list[str]]]) -> None:
    latest = latest_postings([ally for _r, ally, _c, _f in edits])
    fresh = []
    for row, ally, _created, fields in edits:
        station_id = row.station.pk if row.station else None
        if row.posted_on is None or (station_id is None and not row.left):
            continue
        current = latest.get(ally.pk)
        if current is not None and current.station_id == station_id:
            continue
        posting = Posting(
            organisation=org, ally=ally, station_id=station_id, started_on=row.posted_on
        )
        latest[ally.pk] = posting
        fresh.append(posting)
        fields.append("postings")
    Posting.objects.bulk_create(fresh, batch_size=500)


def save_responders(org: Organisation, edits: list[tuple[AllyRow, Ally, bool, list[str]]]) -> None:
    """An ally with a number answers alerts: the number is kept once, on a responder of
    the police tier for officers; focal points are texted first."""
    with_phone = [(row, ally) for row, ally, _c, _f in edits if row.phone]
    if not with_phone:
        return
    found = by_phone(Responder, org, [row.phone for row, _a in with_phone], e164=True)
    new, links, pairs = [], [], []
    for (row, ally), (number, responder) in zip(with_phone, found, strict=True):
        if responder is None:
            responder = Responder(
                organisation=org,
                tier=POLICE_TIER if ally.kind == Ally.Kind.POLICE else "lawyer",
                language=org.default_language,
            )
            set_phone(responder, number)
            responder.name = row.name or ally.name
            new.append(responder)
            if row.station is not None:
                links.append((responder, {row.station.area_id}))
        pairs.append((ally, responder))
    Responder.objects.bulk_create(new, batch_size=500)
    set_links(Responder.areas, links)
    changed = []
    for ally, responder in pairs:
        first = ally.kind == Ally.Kind.POLICE and ally.is_focal_point
        if responder.first_in_tier != first:
            responder.first_in_tier = first
            changed.append(responder)
        if ally.responder_id != responder.pk:
            ally.responder = responder
    Responder.objects.bulk_update(changed, ["first_in_tier"], batch_size=500)
    Ally.objects.bulk_update([a for a, _r in pairs], ["responder"], batch_size=500)
