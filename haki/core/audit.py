"""Checking the audit trail's chains, anchoring them, and re-chaining them under a new
master key.

Each chain is keyed (see ``AuditEvent``), so a copy of the database cannot rewrite a
record and recompute what follows. What it can do without the key is cut a chain's
tail and rewind its head; that is caught by an anchor, one JSON line per chain
printed by ``haki audit anchor`` and stored away from the database: a chain that is
shorter than its anchor, or whose record at the anchored position differs, fails
``haki audit verify --anchor FILE``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from haki.core import crypto
from haki.core.models import AuditEvent, AuditHead, Organisation

BATCH = 2000


class AuditBroken(Exception):
    """A chain does not verify; its message names the first bad record."""


def chain_ids() -> list[int | None]:
    """Every chain that has a head or a record: organisations' ids, None for the chain
    of events with no organisation."""
    ids = {head or None for head in AuditHead.objects.values_list("chain", flat=True)}
    ids |= set(AuditEvent.objects.order_by().values_list("organisation_id", flat=True).distinct())
    return sorted(ids, key=lambda pk: (pk is not None, pk or 0))


def chain_names(ids: Iterable[int | None]) -> dict[int | None, str | None]:
    """How an anchor names a chain: the organisation's slug, null for the chain of
    events with no organisation, "#id" for an organisation since deleted."""
    slugs = dict(
        Organisation.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "slug")
    )
    return {pk: (slugs.get(pk, f"#{pk}") if pk else None) for pk in ids}


def head_of(organisation_id: int | None) -> AuditHead:
    head = AuditHead.objects.filter(chain=organisation_id or 0).first()
    return head or AuditHead(chain=organisation_id or 0, key_id=crypto.primary_audit_key_id())


def events(organisation_id: int | None, upto: int) -> Iterator[AuditEvent]:
    return (
        AuditEvent.objects.filter(organisation_id=organisation_id, seq__lte=upto)
        .order_by("seq")
        .iterator(chunk_size=BATCH)
    )


def first_broken(organisation_id: int | None) -> str | None:
    """A sentence naming the chain's first bad record, or None if it is intact."""
    head = head_of(organisation_id)
    key = crypto.audit_key(head.key_id)
    expected, prev = 1, AuditHead.GENESIS
    for event in events(organisation_id, head.seq):
        if event.seq != expected:
            return f"record #{expected} is missing (next record is #{event.seq})"
        if event.prev_hash != prev:
            return f"record #{event.seq} does not follow record #{event.seq - 1}"
        if event.compute_hash(key) != event.hash:
            return f"record #{event.seq} was altered after it was written"
        prev, expected = event.hash, expected + 1
    if head.seq != expected - 1 or head.last_hash != prev:
        return f"records after #{expected - 1} are missing (the trail had {head.seq})"
    stray = AuditEvent.objects.filter(organisation_id=organisation_id, seq__gt=head.seq)
    first_stray = stray.order_by("seq").values_list("seq", flat=True).first()
    if first_stray is not None and head_of(organisation_id).seq < first_stray:
        return f"record #{first_stray} is not part of the chain"
    return None


def hash_at(organisation_id: int | None, seq: int, key_id: str) -> str:
    """The chain's hash at ``seq`` recomputed under the key ``key_id`` names, from the
    records alone: how an anchor taken before a re-chaining is checked."""
    key, prev = crypto.audit_key(key_id), AuditHead.GENESIS
    for event in events(organisation_id, seq):
        event.prev_hash = prev
        prev = event.compute_hash(key)
    return prev if seq else AuditHead.GENESIS


def anchors() -> list[dict[str, Any]]:
    """One checkpoint per chain, to be stored apart from the database."""
    ids = chain_ids()
    names = chain_names(ids)
    now = timezone.now().isoformat()
    lines = []
    for pk in ids:
        head = head_of(pk)
        lines.append(
            {
                "organisation": names[pk],
                "seq": head.seq,
                "head": head.last_hash,
                "time": now,
                "key": head.key_id,
            }
        )
    return lines


def anchor_problem(line: dict[str, Any], by_name: dict[str | None, int | None]) -> str | None:
    """Why the trail today does not extend this anchored checkpoint, or None."""
    name, seq = line["organisation"], int(line["seq"])
    label = name or "(no organisation)"
    if name not in by_name:
        return f"{label}: the chain anchored at #{seq} is gone"
    pk = by_name[name]
    head = head_of(pk)
    if head.seq < seq:
        return f"{label}: the chain is shorter than its anchor (#{head.seq}, anchored #{seq})"
    key_id = line.get("key", head.key_id)
    if key_id not in crypto.audit_keys():
        return (
            f"{label}: the anchor was taken under a master key that is no longer "
            "configured; check anchors before retiring a key, then store a new one"
        )
    if key_id == head.key_id:
        found = AuditEvent.objects.filter(organisation_id=pk, seq=seq).values_list(
            "hash", flat=True
        )
        current = found.first() if seq else AuditHead.GENESIS
    else:
        current = hash_at(pk, seq, key_id)
    if current != line["head"]:
        return f"{label}: record #{seq} differs from its anchor"
    return None


def parse_anchor(text: str) -> list[dict[str, Any]]:
    lines = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
            if not isinstance(line, dict) or not {"organisation", "seq", "head"} <= set(line):
                raise ValueError
            int(line["seq"])
        except (TypeError, ValueError):
            raise ValueError(f"line {number} of the anchor is not a checkpoint") from None
        lines.append(line)
    return lines


def verify(anchor: list[dict[str, Any]] | None = None) -> list[str]:
    """Every problem found, one sentence each: every chain checked whole, then each
    anchored checkpoint against the chain today."""
    ids = chain_ids()
    names = chain_names(ids)
    problems = []
    for pk in ids:
        broken = first_broken(pk)
        if broken:
            problems.append(f"{names[pk] or '(no organisation)'}: {broken}")
    by_name = {name: pk for pk, name in names.items()}
    for line in anchor or []:
        problem = anchor_problem(line, by_name)
        if problem:
            problems.append(problem)
    return problems


def rechain(organisation_id: int | None, key_id: str) -> None:
    """Recompute one chain under another key, after checking it under its own. The
    head stays locked meanwhile, so no record is appended half-way."""
    with transaction.atomic():
        head = AuditHead.locked(organisation_id)
        broken = first_broken(organisation_id)
        if broken:
            raise AuditBroken(broken)
        key, prev = crypto.audit_key(key_id), AuditHead.GENESIS
        # In slices by position, with no cursor open while rows are written.
        for start in range(1, head.seq + 1, BATCH):
            batch = list(
                AuditEvent.objects.filter(
                    organisation_id=organisation_id, seq__gte=start, seq__lt=start + BATCH
                ).order_by("seq")
            )
            for event in batch:
                event.prev_hash = prev
                event.hash = prev = event.compute_hash(key)
            # The one sanctioned rewrite of the trail: a plain queryset, as the trail's
            # own refuses updates.
            models.QuerySet(AuditEvent).bulk_update(batch, ["prev_hash", "hash"])
        AuditHead.objects.filter(pk=head.pk).update(last_hash=prev, key_id=key_id)


def rechain_to_primary() -> list[int | None]:
    """Re-chain every chain not yet under the first master key; the chains done.
    Raises AuditBroken, naming the chain, before anything changes if one is broken."""
    primary = crypto.primary_audit_key_id()
    stale = [pk for pk in chain_ids() if head_of(pk).key_id != primary]
    names = chain_names(stale)
    for pk in stale:
        broken = first_broken(pk)
        if broken:
            raise AuditBroken(f"{names[pk] or '(no organisation)'}: {broken}")
    for pk in stale:
        rechain(pk, primary)
    return stale
