import uuid

from django.db import migrations, models


def give_each_a_uuid(apps, schema_editor):
    model = apps.get_model("surveys", "InfoText")
    for row in model.objects.all().only("pk"):
        row.uuid = uuid.uuid4()
        row.save(update_fields=["uuid"])


class Migration(migrations.Migration):
    dependencies = [("surveys", "0002_groups")]

    operations = [
        migrations.AddField(
            model_name="infotext",
            name="uuid",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(give_each_a_uuid, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="infotext",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, unique=True, editable=False),
        ),
    ]
