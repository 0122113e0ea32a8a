"""Remove the moved models from the `readiness` app's migration state, and point
User.state and User.lea at directory.

State only: directory, frameworks and assessments 0001 took the models over with their
tables as they are. This runs after policies and reports have re-pointed their foreign
keys, so no model in the state still refers to a readiness model that is gone."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0001_initial"),
        ("policies", "0004_models_moved_out_of_readiness"),
        ("readiness", "0003_import_job_and_ccd_year"),
        ("reports", "0003_models_moved_out_of_readiness"),
    ]

    operations = [
        # State only: the tables stay where they are (see the module docstring).
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name="assessment",
                    name="assignee",
                ),
                migrations.RemoveField(
                    model_name="assessment",
                    name="cycle",
                ),
                migrations.RemoveField(
                    model_name="assessment",
                    name="lea",
                ),
                migrations.RemoveField(
                    model_name="assessment",
                    name="scored_with",
                ),
                migrations.RemoveField(
                    model_name="historicalanswer",
                    name="assessment",
                ),
                migrations.RemoveField(
                    model_name="comment",
                    name="assessment",
                ),
                migrations.RemoveField(
                    model_name="assessmentcycle",
                    name="framework",
                ),
                migrations.RemoveField(
                    model_name="assessmentcycle",
                    name="state",
                ),
                migrations.RemoveField(
                    model_name="historicalassessment",
                    name="cycle",
                ),
                migrations.RemoveField(
                    model_name="comment",
                    name="author",
                ),
                migrations.RemoveField(
                    model_name="comment",
                    name="indicator",
                ),
                migrations.RemoveField(
                    model_name="domain",
                    name="framework",
                ),
                migrations.RemoveField(
                    model_name="indicator",
                    name="domain",
                ),
                migrations.RemoveField(
                    model_name="historicalassessment",
                    name="scored_with",
                ),
                migrations.RemoveField(
                    model_name="indicator",
                    name="framework",
                ),
                migrations.RemoveField(
                    model_name="lever",
                    name="framework",
                ),
                migrations.RemoveField(
                    model_name="historicalanswer",
                    name="history_user",
                ),
                migrations.RemoveField(
                    model_name="historicalanswer",
                    name="indicator",
                ),
                migrations.RemoveField(
                    model_name="historicalanswer",
                    name="updated_by",
                ),
                migrations.RemoveField(
                    model_name="historicalassessment",
                    name="assignee",
                ),
                migrations.RemoveField(
                    model_name="historicalassessment",
                    name="history_user",
                ),
                migrations.RemoveField(
                    model_name="historicalassessment",
                    name="lea",
                ),
                migrations.RemoveField(
                    model_name="importjob",
                    name="uploaded_by",
                ),
                migrations.RemoveField(
                    model_name="indicator",
                    name="levers",
                ),
                migrations.RemoveField(
                    model_name="lea",
                    name="state",
                ),
                migrations.AlterField(
                    model_name="user",
                    name="lea",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="users",
                        to="directory.lea",
                        verbose_name="LEA",
                    ),
                ),
                migrations.AlterField(
                    model_name="user",
                    name="state",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="users",
                        to="directory.state",
                    ),
                ),
                migrations.DeleteModel(
                    name="Answer",
                ),
                migrations.DeleteModel(
                    name="Assessment",
                ),
                migrations.DeleteModel(
                    name="AssessmentCycle",
                ),
                migrations.DeleteModel(
                    name="Comment",
                ),
                migrations.DeleteModel(
                    name="Domain",
                ),
                migrations.DeleteModel(
                    name="FrameworkVersion",
                ),
                migrations.DeleteModel(
                    name="HistoricalAnswer",
                ),
                migrations.DeleteModel(
                    name="HistoricalAssessment",
                ),
                migrations.DeleteModel(
                    name="ImportJob",
                ),
                migrations.DeleteModel(
                    name="Indicator",
                ),
                migrations.DeleteModel(
                    name="Lever",
                ),
                migrations.DeleteModel(
                    name="LEA",
                ),
                migrations.DeleteModel(
                    name="State",
                ),
            ],
        ),
    ]
