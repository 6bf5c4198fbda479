"""Helpers for sections of people found by number (members, responders) and for
many-to-many links, each a few statements whatever the number of rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import models

from haki.core.models import Organisation
from haki.core.phones import normalise_phone

CHUNK = 500  # ids per IN (...): well below SQLite's limit on parameters


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def by_phone(
    model: type[models.Model], org: Organisation, phones: Sequence[str], e164: bool = False
) -> list[tuple[str, Any]]:
    """Each number in E.164 with the person of ``org`` who has it (or None), found by
    the HMAC index: one query per 500 numbers. ``e164``: already normalised."""
    numbers = list(phones) if e164 else [normalise_phone(p, org.country) for p in phones]
    ring = org.keyring
    indexes = [ring.index(n) for n in numbers]
    found: dict[str, Any] = {}
    if org.pk is not None:
        for chunk in chunks(indexes):
            rows = model.objects.filter(organisation=org, phone_index__in=chunk)
            for row in rows:
                row.organisation = org  # sealed fields need it: no query per row
                found[row.phone_index] = row
    return [(n, found.get(i)) for n, i in zip(numbers, indexes, strict=True)]


def set_links(relation: Any, wanted: list[tuple[models.Model, set[int]]]) -> set[int]:
    """Make the links of each owner in ``wanted`` exactly its set of targets; return
    the owners whose links changed. ``relation`` is the many-to-many seen from the
    owner (``Member.groups``, ``Responder.areas``)."""
    through = relation.through
    field = relation.field
    owner, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    if relation.reverse:
        owner, target = target, owner
    owner, target = f"{owner}_id", f"{target}_id"
    wanted = {obj.pk: targets for obj, targets in wanted}
    current: dict[int, set[int]] = defaultdict(set)
    row_of: dict[tuple[int, int], int] = {}
    for chunk in chunks(list(wanted)):
        rows = through.objects.filter(**{f"{owner}__in": chunk}).values_list("pk", owner, target)
        for pk, left, right in rows:
            current[left].add(right)
            row_of[(left, right)] = pk
    stale, fresh, changed = [], [], set()
    for left, targets in wanted.items():
        have = current.get(left, set())
        stale += [row_of[(left, right)] for right in have - targets]
        fresh += [through(**{owner: left, target: right}) for right in sorted(targets - have)]
        if have != targets:
            changed.add(left)
    for chunk in chunks(stale):
        through.objects.filter(pk__in=chunk).delete()
    through.objects.bulk_create(fresh, batch_size=CHUNK)
    return changed


def set_phone(person: models.Model, e164: str) -> None:
    """Store a number already in E.164 (sealed and indexed) without reading it again."""
    sealed = type(person).phone
    for column, stored in sealed.columns(person.organisation, e164).items():
        setattr(person, column, stored)
