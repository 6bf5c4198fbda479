"""Key rotation and crypto-shredding for one organisation."""

from __future__ import annotations

from collections.abc import Iterator

from django.apps import apps
from django.db import connection, models, transaction
from django.utils import timezone

from haki.core import crypto
from haki.core.models import AuditEvent, DataKey, Organisation

SealedField = crypto.Sealed | crypto.SealedBytes


def sealed_fields() -> Iterator[tuple[type[models.Model], list[SealedField]]]:
    """Every model holding encrypted values, with the attributes that hold them. Found
    by class on every installed model, so an app added later is rotated too."""
    sealed = (crypto.Sealed, crypto.SealedBytes)
    for model in apps.get_models():
        if model._meta.proxy:
            continue  # its rows are its concrete model's
        # Through the class's ancestry too: an abstract base or mixin may declare them.
        found = {
            name: attr
            for klass in reversed(model.__mro__)
            for name, attr in vars(klass).items()
            if isinstance(attr, sealed)
        }
        if found:
            yield model, list(found.values())


def reseal(model: type[models.Model], fields: list[SealedField], org: Organisation) -> int:
    """Re-encrypt one model's values under the newest data key and recompute their
    lookup indexes with the newest index key. Returns how many values were re-encrypted."""
    ring = crypto.keyring_for(org)
    columns = [field.column for field in fields]
    indexed = [f for f in fields if isinstance(f, crypto.Sealed) and f.index]
    index_columns = [f.index for f in indexed]
    rows = list(model.objects.filter(organisation=org).only("pk", *columns, *index_columns))
    count = 0
    for row in rows:
        for field in indexed:
            token = getattr(row, field.column)
            if token:
                setattr(row, field.index, ring.index(ring.open(token)))
        for column in columns:
            token = getattr(row, column)
            if token:
                setattr(row, column, ring.rotate(token))
                count += 1
    model.objects.bulk_update(rows, columns + index_columns, batch_size=500)
    return count


@transaction.atomic
def rotate(org: Organisation) -> int:
    """Re-encrypt everything under a fresh data key and re-index it under a fresh index
    key, both wrapped with the current master key; drop the old keys. Returns how many
    values were re-encrypted."""
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    org.keyring  # noqa: B018 - makes sure keys exist before rotating them
    old = list(org.data_keys.values_list("pk", flat=True))
    for purpose in (DataKey.INDEX, DataKey.DATA):
        DataKey.objects.create(
            organisation=org, purpose=purpose, wrapped=crypto.wrap(crypto.generate_key())
        )
    # Until the old keys go, the ring opens values under any data key, and seals and
    # indexes with the new keys only.
    org.key_version += 1
    org.save(update_fields=["key_version", "modified_on"])
    count = sum(reseal(model, fields, org) for model, fields in sealed_fields())
    DataKey.objects.filter(pk__in=old).delete()
    crypto.forget_keyrings()
    AuditEvent.record("keys", AuditEvent.Action.KEYS, org)
    return count


@transaction.atomic
def shred(org: Organisation) -> None:
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    org.data_keys.all().delete()
    org.shredded_on = timezone.now()
    org.key_version += 1
    org.save(update_fields=["shredded_on", "key_version", "modified_on"])
    crypto.forget_keyrings()
    AuditEvent.record("keys", AuditEvent.Action.KEYS, org)


def checkpoint_sqlite() -> None:
    """On SQLite, copy the write-ahead log into the file and empty it: its frames still
    hold rows as they were before a shred (the file itself overwrites deleted rows,
    see haki/core/apps.py). Nothing to do on PostgreSQL (docs/deploy.md says what it
    keeps). Only outside a transaction, where a checkpoint can run."""
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
