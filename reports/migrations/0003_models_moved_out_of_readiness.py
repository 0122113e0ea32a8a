"""Point this app's foreign keys at the models' new apps (directory, frameworks, assessments).

State only: the referenced tables did not move (they keep their readiness_* names), so the
columns and constraints in the database are already right."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_initial"),
        ("directory", "0001_initial"),
        ("reports", "0002_job_task_id_enqueued_at"),
    ]

    operations = [
        # State only: the tables stay where they are (see the module docstring).
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="reportbatch",
                    name="cycle",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="assessments.assessmentcycle",
                    ),
                ),
                migrations.AlterField(
                    model_name="reportbatch",
                    name="state",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="report_batches",
                        to="directory.state",
                    ),
                ),
                migrations.AlterField(
                    model_name="reportjob",
                    name="cycle",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="report_jobs",
                        to="assessments.assessmentcycle",
                    ),
                ),
                migrations.AlterField(
                    model_name="reportjob",
                    name="lea",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="report_jobs",
                        to="directory.lea",
                    ),
                ),
                migrations.AlterField(
                    model_name="reportjob",
                    name="state",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="report_jobs",
                        to="directory.state",
                    ),
                ),
            ],
        ),
    ]
