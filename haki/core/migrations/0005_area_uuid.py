import uuid

from django.db import migrations, models


def give_each_a_uuid(apps, schema_editor):
    model = apps.get_model("core", "Area")
    for row in model.objects.all().only("pk"):
        row.uuid = uuid.uuid4()
        row.save(update_fields=["uuid"])


class Migration(migrations.Migration):
    dependencies = [("core", "0004_audit_chain_per_organisation_keyed")]

    operations = [
        migrations.AddField(
            model_name="area",
            name="uuid",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(give_each_a_uuid, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="area",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, unique=True, editable=False),
        ),
    ]
