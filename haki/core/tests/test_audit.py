import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from haki.core.models import AuditEvent


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
