import datetime
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from haki.core import crypto
from haki.core.models import AuditEvent, AuditHead


@pytest.fixture
def trail(world):
    for _ in range(5):
        AuditEvent.record(world["a"].users["owner"], AuditEvent.Action.VIEW, world["a"].member)
    return AuditEvent.objects.order_by("seq")


def test_verify_audit_passes_on_an_untouched_trail(trail, capsys):
    call_command("verify_audit")
    assert "intact: 5 records" in capsys.readouterr().out


def test_verify_audit_names_the_first_edited_record(trail):
    third = trail[2]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditevent SET actor = 'someone-else' WHERE id = %s", [third.pk]
        )
    with pytest.raises(CommandError, match=f"record #{third.seq} was altered"):
        call_command("verify_audit")


def test_verify_audit_notices_a_deleted_record(trail):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [trail[1].pk])
    with pytest.raises(CommandError, match="record #2 is missing"):
        call_command("verify_audit")


def test_verify_audit_notices_the_last_record_deleted(trail):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [trail.last().pk])
    with pytest.raises(CommandError, match="missing"):
        call_command("verify_audit")


def test_the_trail_refuses_updates_and_deletes_through_the_orm(trail):
    event = trail.first()
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(actor="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def test_audit_records_name_the_record_but_never_its_content(world):
    member = world["a"].member
    event = AuditEvent.record("sms", AuditEvent.Action.CHANGE, member)
    stored = " ".join(
        str(v) for v in AuditEvent.objects.filter(pk=event.pk).values().first().values()
    )
    assert str(member.uuid) in stored
    assert member.alias not in stored and "190100001" not in stored


def unkeyed_hash(row: dict) -> str:
    """What anyone holding a copy of the database can compute: the chain as it was
    before it was keyed (SHA-256 of the record and the previous hash)."""
    fields = [
        row["seq"],
        row["created_on"].astimezone(datetime.UTC).isoformat(),
        row["organisation_id"],
        row["actor"],
        row["action"],
        row["object_type"],
        row["object_ref"],
        row["prev_hash"],
    ]
    encoded = json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


def rewrite_from(event_id: int, **changes) -> None:
    """Edit one record, then recompute its chain's hashes to the end and its head, as an
    attacker with the database but not the master key would."""
    rows = list(AuditEvent.objects.filter(id__gte=event_id).order_by("id").values())
    prev = rows[0]["prev_hash"]
    rows[0].update(changes)
    with connection.cursor() as cursor:
        for row in rows:
            row["prev_hash"] = prev
            prev = unkeyed_hash(row)
            cursor.execute(
                "UPDATE core_auditevent SET actor = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [row["actor"], row["prev_hash"], prev, row["id"]],
            )
        cursor.execute("UPDATE core_audithead SET last_hash = %s", [prev])


def cut_tail(organisation, keep: int) -> None:
    """Delete a chain's records after #keep and rewind its head to match."""
    kept = AuditEvent.objects.get(organisation=organisation, seq=keep)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM core_auditevent WHERE organisation_id = %s AND seq > %s",
            [organisation.pk, keep],
        )
        cursor.execute(
            "UPDATE core_audithead SET seq = %s, last_hash = %s WHERE chain = %s",
            [keep, kept.hash, organisation.pk],
        )


def anchor_file(tmp_path, capsys) -> Path:
    capsys.readouterr()
    call_command("audit", "anchor")
    path = tmp_path / "anchor.jsonl"
    path.write_text(capsys.readouterr().out)
    return path


def test_an_edited_record_is_caught_even_with_its_chain_recomputed(trail):
    rewrite_from(trail[2].pk, actor="someone-else")
    with pytest.raises(CommandError, match="record #3 was altered"):
        call_command("audit", "verify")


def test_each_organisation_has_a_chain_of_its_own(world, trail):
    AuditEvent.record("sms", AuditEvent.Action.CHANGE, world["b"].member)
    AuditEvent.record("system", AuditEvent.Action.KEYS)
    AuditEvent.record("system", AuditEvent.Action.KEYS)
    chains = {(e.organisation_id, e.seq) for e in AuditEvent.objects.filter(seq__in=[1, 2, 6])}
    assert (world["b"].org.pk, 1) in chains and (None, 2) in chains
    assert AuditEvent.objects.filter(organisation=world["a"].org).last().seq == 5
    assert AuditHead.objects.count() == 3  # a, b, and events with no organisation
    call_command("audit", "verify")


def test_anchor_prints_one_checkpoint_line_per_chain(world, trail, capsys):
    AuditEvent.record("system", AuditEvent.Action.KEYS)
    call_command("audit", "anchor")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    by_org = {line["organisation"]: line for line in lines}
    assert set(by_org) == {None, "org-a"}
    assert by_org["org-a"]["seq"] == 5 and by_org["org-a"]["head"] == trail.last().hash
    assert by_org[None]["seq"] == 1 and by_org["org-a"]["time"]


def test_a_cut_tail_with_its_head_rewound_is_caught_against_the_anchor(
    world, trail, tmp_path, capsys
):
    anchor = anchor_file(tmp_path, capsys)
    cut_tail(world["a"].org, keep=3)
    call_command("audit", "verify")  # the chain alone cannot tell: it is what an anchor is for
    with pytest.raises(CommandError, match="shorter than its anchor"):
        call_command("audit", "verify", "--anchor", str(anchor))
    with pytest.raises(CommandError, match="shorter than its anchor"):
        call_command("verify_audit", "--anchor", str(anchor))


def test_a_cut_tail_refilled_with_new_records_differs_from_the_anchor(
    world, trail, tmp_path, capsys
):
    anchor = anchor_file(tmp_path, capsys)
    cut_tail(world["a"].org, keep=3)
    for _ in range(3):
        AuditEvent.record("sms", AuditEvent.Action.VIEW, world["a"].member)
    with pytest.raises(CommandError, match="record #5 differs from its anchor"):
        call_command("audit", "verify", "--anchor", str(anchor))


def test_an_untouched_trail_extends_its_anchor(world, trail, tmp_path, capsys):
    anchor = anchor_file(tmp_path, capsys)
    AuditEvent.record("sms", AuditEvent.Action.VIEW, world["a"].member)
    call_command("audit", "verify", "--anchor", str(anchor))
    assert "intact: 6 records, 1 anchored chains extended" in capsys.readouterr().out


def test_a_new_master_key_rechains_the_trail_which_verifies_once_the_old_key_is_gone(
    world, trail, settings, tmp_path, capsys
):
    old_anchor = anchor_file(tmp_path, capsys)
    old_master = settings.HAKI_MASTER_KEYS[0]
    new_master = crypto.generate_key()
    settings.HAKI_MASTER_KEYS = [new_master, old_master]
    crypto.forget_keyrings()
    call_command("rotate_keys", "--all")
    assert "re-chained" in capsys.readouterr().out
    # The anchor taken before is checked against the trail under the key it names.
    call_command("audit", "verify", "--anchor", str(old_anchor))
    settings.HAKI_MASTER_KEYS = [new_master]
    crypto.forget_keyrings()
    AuditEvent.record("sms", AuditEvent.Action.VIEW, world["a"].member)
    call_command("audit", "verify")
    with pytest.raises(CommandError, match="no longer configured"):
        call_command("audit", "verify", "--anchor", str(old_anchor))


def test_rotate_keys_refuses_to_rechain_a_broken_trail(world, trail, settings):
    rewrite_from(trail[1].pk, actor="someone-else")
    settings.HAKI_MASTER_KEYS = [crypto.generate_key(), *settings.HAKI_MASTER_KEYS]
    crypto.forget_keyrings()
    version = world["a"].org.key_version
    with pytest.raises(CommandError, match="record #2 was altered"):
        call_command("rotate_keys", "--all")
    world["a"].org.refresh_from_db()
    assert world["a"].org.key_version == version


def run_haki(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "haki.settings.dev",
        "HAKI_DATABASE_URL": f"sqlite:///{tmp_path / 'haki.sqlite3'}",
        "HAKI_MASTER_KEY": MIGRATION_MASTER_KEY,
        "HAKI_SECRET_KEY": "audit-migration-test-secret-key-0123456789-abcdefghijklmnop",
        "HAKI_VAR_DIR": str(tmp_path),
    }
    return subprocess.run(
        [sys.executable, "-m", "haki.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


MIGRATION_MASTER_KEY = crypto.generate_key()


def write_unkeyed_trail(database: Path, organisations: list[int | None]) -> None:
    """A trail as the version before keyed chains wrote it: one global sequence."""
    created = datetime.datetime(2026, 11, 21, 9, 30, 0, 123456, tzinfo=datetime.UTC)
    prev = "0" * 64
    with sqlite3.connect(database) as db:
        for seq, organisation_id in enumerate(organisations, 1):
            row = {
                "seq": seq,
                "created_on": created + datetime.timedelta(minutes=seq),
                "organisation_id": organisation_id,
                "actor": "org-owner",
                "action": "view",
                "object_type": "members.member",
                "object_ref": f"{seq:032x}",
                "prev_hash": prev,
            }
            row["hash"] = prev = unkeyed_hash(row)
            row["created_on"] = row["created_on"].replace(tzinfo=None).isoformat(" ")
            db.execute(
                "INSERT INTO core_auditevent (seq, created_on, organisation_id, actor, action,"
                " object_type, object_ref, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                list(row.values()),
            )
        db.execute("UPDATE core_audithead SET seq = ?, last_hash = ?", [len(organisations), prev])


def unkeyed_database(tmp_path: Path) -> Path:
    for args in (["migrate", "--no-input"], ["migrate", "core", "0003", "--no-input"]):
        done = run_haki(tmp_path, *args)
        assert done.returncode == 0, done.stderr[-2000:]
    database = tmp_path / "haki.sqlite3"
    write_unkeyed_trail(database, [7, 8, 7, None, 7])
    return database


@pytest.mark.slow
def test_the_upgrade_rechains_an_intact_trail_under_the_key(tmp_path):
    unkeyed_database(tmp_path)
    done = run_haki(tmp_path, "migrate", "--no-input")
    assert done.returncode == 0, done.stderr[-2000:]
    done = run_haki(tmp_path, "audit", "verify")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "intact: 5 records" in done.stdout
    with sqlite3.connect(tmp_path / "haki.sqlite3") as db:
        chains = db.execute(
            "SELECT organisation_id, seq FROM core_auditevent ORDER BY id"
        ).fetchall()
    assert chains == [(7, 1), (8, 1), (7, 2), (None, 1), (7, 3)]


@pytest.mark.slow
def test_the_upgrade_refuses_a_trail_that_was_already_altered(tmp_path):
    database = unkeyed_database(tmp_path)
    with sqlite3.connect(database) as db:
        db.execute("UPDATE core_auditevent SET actor = 'someone-else' WHERE seq = 2")
    done = run_haki(tmp_path, "migrate", "--no-input")
    assert done.returncode != 0
    assert "altered before this upgrade: record #2 was altered" in done.stderr
