"""The (cycle, status) index of assessments ends with the LEA: the LEA list's count under a
status filter then reads it alone, without the table."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0004_cycle_summaries"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="assessment",
            name="readiness_a_cycle_i_711dba_idx",
        ),
        migrations.AddIndex(
            model_name="assessment",
            index=models.Index(
                fields=["cycle", "status", "lea"], name="assessment_cycle_status_lea"
            ),
        ),
    ]
