"""Each LEA holds a copy of its state's USPS code, so the national LEA list (ordered by
state, then name) reads its pages from one index, lea_state_order."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_state_codes(apps, schema_editor):
    LEA = apps.get_model("directory", "LEA")
    State = apps.get_model("directory", "State")
    LEA.objects.update(
        state_code=Subquery(State.objects.filter(pk=OuterRef("state_id")).values("code"))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0005_lea_state_changed"),
    ]

    operations = [
        migrations.AddField(
            model_name="lea",
            name="state_code",
            field=models.CharField(
                default="", editable=False, max_length=2, verbose_name="state code"
            ),
        ),
        migrations.RunPython(copy_state_codes, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="lea",
            index=models.Index(fields=["state_code", "name", "id"], name="lea_state_order"),
        ),
    ]
