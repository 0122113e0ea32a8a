"""FrameworkVersion, Domain, Lever and Indicator move here from the `readiness` app (accounts/) without touching the database.

The tables were created by readiness 0001-0003 and keep their names (`Meta.db_table`), so
this migration only tells Django's migration state that the models now belong to this
app; readiness 0004 removes them from that app's state. The content types follow, so
permissions and admin history stay attached to the same rows."""

import django.db.models.deletion
from django.db import migrations, models

APP = "frameworks"
MODELS = ["frameworkversion", "domain", "lever", "indicator"]


def _content_types_move(apps, from_label, to_label, models, using):
    """Carry the content types (and so permissions and admin log entries, which point
    at them by id) from one app label to the other. A type already present under the
    new label is left alone."""
    content_type = apps.get_model("contenttypes", "ContentType")
    rows = content_type.objects.using(using)
    for model in models:
        if not rows.filter(app_label=to_label, model=model).exists():
            rows.filter(app_label=from_label, model=model).update(app_label=to_label)


def content_types_forward(apps, schema_editor):
    _content_types_move(apps, "readiness", APP, MODELS, schema_editor.connection.alias)


def content_types_backward(apps, schema_editor):
    _content_types_move(apps, APP, "readiness", MODELS, schema_editor.connection.alias)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("readiness", "0003_import_job_and_ccd_year"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        # State only: the tables stay where they are (see the module docstring).
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="FrameworkVersion",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("code", models.SlugField(max_length=40)),
                        ("version", models.PositiveIntegerField()),
                        ("title", models.CharField(max_length=200)),
                        ("content", models.JSONField()),
                        ("content_hash", models.CharField(max_length=64)),
                        ("loaded_at", models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        "db_table": "readiness_frameworkversion",
                        "ordering": ["code", "-version"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("code", "version"), name="framework_code_version"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Domain",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("code", models.SlugField(max_length=40)),
                        ("name", models.CharField(max_length=200)),
                        ("position", models.PositiveSmallIntegerField()),
                        (
                            "framework",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="domains",
                                to="frameworks.frameworkversion",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "readiness_domain",
                        "ordering": ["framework", "position"],
                    },
                ),
                migrations.CreateModel(
                    name="Lever",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("code", models.SlugField(max_length=40)),
                        ("name", models.CharField(max_length=200)),
                        (
                            "group",
                            models.CharField(
                                choices=[
                                    ("getting_started", "Getting started"),
                                    ("moving_forward", "Moving forward"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("summary", models.TextField(blank=True)),
                        ("position", models.PositiveSmallIntegerField()),
                        (
                            "framework",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="levers",
                                to="frameworks.frameworkversion",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "readiness_lever",
                        "ordering": ["framework", "position"],
                    },
                ),
                migrations.CreateModel(
                    name="Indicator",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("code", models.CharField(max_length=10)),
                        ("area", models.CharField(max_length=200)),
                        ("title", models.CharField(max_length=200)),
                        ("prompt", models.TextField()),
                        ("position", models.PositiveSmallIntegerField()),
                        (
                            "domain",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="indicators",
                                to="frameworks.domain",
                            ),
                        ),
                        (
                            "framework",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="indicators",
                                to="frameworks.frameworkversion",
                            ),
                        ),
                        (
                            "levers",
                            models.ManyToManyField(
                                blank=True, related_name="indicators", to="frameworks.lever"
                            ),
                        ),
                    ],
                    options={
                        "db_table": "readiness_indicator",
                        "ordering": ["framework", "position"],
                    },
                ),
                migrations.AddConstraint(
                    model_name="domain",
                    constraint=models.UniqueConstraint(
                        fields=("framework", "code"), name="domain_code_per_framework"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="lever",
                    constraint=models.UniqueConstraint(
                        fields=("framework", "code"), name="lever_code_per_framework"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="indicator",
                    constraint=models.UniqueConstraint(
                        fields=("framework", "code"), name="indicator_code_per_framework"
                    ),
                ),
            ],
        ),
        migrations.RunPython(content_types_forward, content_types_backward),
    ]
