"""Point this app's foreign keys at the models' new apps (directory, frameworks, assessments).

State only: the referenced tables did not move (they keep their readiness_* names), so the
columns and constraints in the database are already right."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_initial"),
        ("directory", "0001_initial"),
        ("frameworks", "0001_initial"),
        ("policies", "0003_citation_rule"),
    ]

    operations = [
        # State only: the tables stay where they are (see the module docstring).
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="historicalleverstatus",
                    name="lever",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="frameworks.lever",
                    ),
                ),
                migrations.AlterField(
                    model_name="leverstatus",
                    name="lever",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="statuses",
                        to="frameworks.lever",
                    ),
                ),
                migrations.AlterField(
                    model_name="statepolicyprofile",
                    name="cycle",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="policy_profiles",
                        to="assessments.assessmentcycle",
                    ),
                ),
                migrations.AlterField(
                    model_name="statepolicyprofile",
                    name="state",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="policy_profiles",
                        to="directory.state",
                    ),
                ),
            ],
        ),
    ]
