from django.db import migrations

from haki.cases.taxonomy import SEED_VIOLATIONS


def seed_existing_organisations(apps, schema_editor):
    Organisation = apps.get_model("core", "Organisation")
    ViolationType = apps.get_model("cases", "ViolationType")
    for organisation in Organisation.objects.all():
        existing = set(
            ViolationType.objects.filter(organisation=organisation).values_list("key", flat=True)
        )
        ViolationType.objects.bulk_create(
            ViolationType(
                organisation=organisation, key=key, label=label, kind=kind, position=position
            )
            for position, (key, label, kind) in enumerate(SEED_VIOLATIONS)
            if key not in existing
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed_existing_organisations, migrations.RunPython.noop)]
