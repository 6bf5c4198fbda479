from django.db import migrations, models
from django.db.models import F


def mark_existing_as_sent(apps, schema_editor):
    # Every broadcast so far was sent when it was created.
    apps.get_model("surveys", "Broadcast").objects.update(sent_on=F("created_on"))


class Migration(migrations.Migration):
    dependencies = [("surveys", "0003_infotext_uuid")]

    operations = [
        migrations.AddField(
            model_name="broadcast",
            name="send_on",
            field=models.DateTimeField(
                blank=True, db_index=True, null=True, verbose_name="send at"
            ),
        ),
        migrations.AddField(
            model_name="broadcast",
            name="sent_on",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(mark_existing_as_sent, migrations.RunPython.noop),
    ]
