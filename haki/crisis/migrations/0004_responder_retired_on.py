from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("crisis", "0003_roster_shift_ends_after_start")]

    operations = [
        migrations.AddField(
            model_name="responder",
            name="retired_on",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="retired"),
        ),
    ]
