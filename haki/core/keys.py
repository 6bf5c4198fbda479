"""Key rotation and crypto-shredding for one organisation."""

from __future__ import annotations

from collections.abc import Iterator

from django.apps import apps
from django.db import connection, models, transaction
from django.utils import timezone

from haki.core import crypto
from haki.core.models import AuditEvent, DataKey, Organisation


def sealed_columns() -> Iterator[tuple[type[models.Model], list[str]]]:
    """Every model holding encrypted values, with the columns that hold them."""
    for model in apps.get_models():
        sealed = (crypto.Sealed, crypto.SealedBytes)
        columns = [attr.column for attr in vars(model).values() if isinstance(attr, sealed)]
        if columns:
            yield model, columns


@transaction.atomic
def rotate(org: Organisation) -> int:
    """Re-encrypt everything under a fresh data key; re-wrap all keys with the current
    master key; drop the old data keys. Returns how many values were re-encrypted."""
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    org.keyring  # noqa: B018 - makes sure keys exist before rotating them
    for key in org.data_keys.all():
        key.wrapped = crypto.wrap(crypto.unwrap(key.wrapped))
        key.save(update_fields=["wrapped"])
    old = list(org.data_keys.filter(purpose=DataKey.DATA).values_list("pk", flat=True))
    DataKey.objects.create(
        organisation=org, purpose=DataKey.DATA, wrapped=crypto.wrap(crypto.generate_key())
    )
    org.key_version += 1
    org.save(update_fields=["key_version", "modified_on"])
    ring = crypto.keyring_for(org)
    count = 0
    for model, columns in sealed_columns():
        rows = list(model.objects.filter(organisation=org).only("pk", *columns))
        for row in rows:
            for column in columns:
                token = getattr(row, column)
                if token:
                    setattr(row, column, ring.rotate(token))
                    count += 1
        model.objects.bulk_update(rows, columns, batch_size=500)
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
