"""Seal staff's authenticator seeds under the master key, forget every form that a
failed sign-in left behind (tried passwords among them), then make sure the old
values are gone from the database files, not merely unreferenced.

Not atomic: SQLite's write-ahead log can only be emptied, and PostgreSQL's tables
only rewritten, outside a transaction."""

from django.db import migrations


def seal_seeds(apps, schema_editor):
    from haki.core import authenticators

    devices = apps.get_model("otp_totp", "TOTPDevice")
    if devices.objects.exclude(key__startswith=authenticators.PREFIX).exists():
        authenticators.reseal_all(devices)


def forget_tried_passwords(apps, schema_editor):
    attempts = apps.get_model("axes", "AccessAttempt")
    attempts.objects.update(post_data="", get_data="")


def scrub_files(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        elif connection.vendor == "postgresql":
            # Rewrites both tables, leaving no dead copy of the old rows behind.
            cursor.execute("VACUUM FULL axes_accessattempt, otp_totp_totpdevice")


def overwrite_freed_space(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete=ON")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("core", "0005_area_uuid"),
        ("otp_totp", "0003_add_timestamps"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [
        migrations.RunPython(overwrite_freed_space, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(seal_seeds, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(forget_tried_passwords, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(scrub_files, migrations.RunPython.noop, elidable=True),
    ]
