"""One audit chain per organisation (and one for events with no organisation), keyed
with an HMAC whose key derives from the master key. Existing events are re-chained
under that key, after the old unkeyed chain is checked: a trail already broken is not
laundered into a valid one."""

import hashlib
import json
import os
from datetime import UTC

from django.core.management.base import CommandError
from django.db import migrations, models

GENESIS = "0" * 64
BATCH = 2000
OVERRIDE = "HAKI_AUDIT_RECHAIN_BROKEN_TRAIL"


def payload(event, prev_hash):
    fields = [
        event.seq,
        event.created_on.astimezone(UTC).isoformat(),
        event.organisation_id,
        event.actor,
        event.action,
        event.object_type,
        event.object_ref,
        prev_hash,
    ]
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode()


def legacy_first_broken(Event, head):
    """The check of `haki verify_audit` before this version (unkeyed SHA-256)."""
    expected, prev = 1, GENESIS
    for event in Event.objects.order_by("seq").iterator(chunk_size=BATCH):
        if event.seq != expected:
            return f"record #{expected} is missing (next record is #{event.seq})"
        if event.prev_hash != prev:
            return f"record #{event.seq} does not follow record #{event.seq - 1}"
        if hashlib.sha256(payload(event, event.prev_hash)).hexdigest() != event.hash:
            return f"record #{event.seq} was altered after it was written"
        prev, expected = event.hash, expected + 1
    if head is not None and (head.seq != expected - 1 or head.last_hash != prev):
        return f"records after #{expected - 1} are missing (the trail had {head.seq})"
    return None


def rechain_one(Event, organisation_id, key):
    """Number the organisation's events from 1 in their old order and chain them."""
    from haki.core import crypto

    seq, prev, last_old = 0, GENESIS, 0
    while True:
        batch = list(
            Event.objects.filter(organisation_id=organisation_id, seq__gt=last_old).order_by(
                "seq"
            )[:BATCH]
        )
        if not batch:
            return seq, prev
        last_old = batch[-1].seq
        for event in batch:
            seq += 1
            event.seq, event.prev_hash = seq, prev
            event.hash = prev = crypto.chain_mac(key, payload(event, prev))
        Event.objects.bulk_update(batch, ["seq", "prev_hash", "hash"])


def rechain(apps, schema_editor):
    Event = apps.get_model("core", "AuditEvent")
    Head = apps.get_model("core", "AuditHead")
    broken = legacy_first_broken(Event, Head.objects.order_by("pk").first())
    if broken and os.environ.get(OVERRIDE) != "yes":
        raise CommandError(
            f"The audit trail was altered before this upgrade: {broken}. It is not "
            "re-chained, which would make the change undetectable. Keep a copy of the "
            "database as evidence and find out what happened; restore a backup from "
            f"before the change, or set {OVERRIDE}=yes to re-chain it as it is now."
        )
    Head.objects.all().delete()
    if not Event.objects.exists():
        return
    from haki.core import crypto

    key_id = crypto.primary_audit_key_id()
    key = crypto.audit_key(key_id)
    chains = set(Event.objects.order_by().values_list("organisation_id", flat=True).distinct())
    for organisation_id in chains:
        seq, last_hash = rechain_one(Event, organisation_id, key)
        Head.objects.create(
            chain=organisation_id or 0, seq=seq, last_hash=last_hash, key_id=key_id
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0003_area_geometry_organisation_brief_area_depth_and_more")]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False),
        ),
        migrations.AddField(
            model_name="audithead",
            name="chain",
            field=models.PositiveBigIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="audithead",
            name="key_id",
            field=models.CharField(default="", max_length=16),
            preserve_default=False,
        ),
        migrations.RunPython(rechain, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="audithead",
            name="chain",
            field=models.PositiveBigIntegerField(unique=True),
        ),
        migrations.AlterModelOptions(name="auditevent", options={"ordering": ["id"]}),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("organisation", "seq"), name="audit_seq_unique_in_organisation"
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                condition=models.Q(("organisation__isnull", True)),
                fields=("seq",),
                name="audit_seq_unique_without_organisation",
            ),
        ),
    ]
