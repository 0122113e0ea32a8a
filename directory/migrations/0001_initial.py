"""State, LEA and ImportJob move here from the `readiness` app (accounts/) without touching the database.

The tables were created by readiness 0001-0003 and keep their names (`Meta.db_table`), so
this migration only tells Django's migration state that the models now belong to this
app; readiness 0004 removes them from that app's state. The content types follow, so
permissions and admin history stay attached to the same rows."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

APP = "directory"
MODELS = ["state", "lea", "importjob"]


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
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # State only: the tables stay where they are (see the module docstring).
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="State",
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
                        (
                            "code",
                            models.CharField(
                                max_length=2,
                                unique=True,
                                validators=[
                                    django.core.validators.RegexValidator(
                                        "^[A-Z]{2}$", "A state code is two capital letters."
                                    )
                                ],
                                verbose_name="USPS code",
                            ),
                        ),
                        (
                            "fips",
                            models.CharField(
                                blank=True,
                                max_length=2,
                                null=True,
                                unique=True,
                                verbose_name="FIPS code",
                            ),
                        ),
                        ("name", models.CharField(max_length=100)),
                    ],
                    options={
                        "db_table": "readiness_state",
                        "ordering": ["name"],
                    },
                ),
                migrations.CreateModel(
                    name="ImportJob",
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
                        ("file", models.FileField(upload_to="imports/%Y/%m/")),
                        ("original_name", models.CharField(max_length=255)),
                        ("allowed_states", models.JSONField(blank=True, default=list)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("previewed", "Previewed"),
                                    ("queued", "Queued"),
                                    ("running", "Running"),
                                    ("done", "Done"),
                                    ("failed", "Failed"),
                                ],
                                default="previewed",
                                max_length=10,
                            ),
                        ),
                        ("preview", models.JSONField(blank=True, default=dict)),
                        ("result", models.JSONField(blank=True, default=dict)),
                        ("error", models.CharField(blank=True, max_length=1000)),
                        ("version", models.PositiveIntegerField(default=1)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "uploaded_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "readiness_importjob",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="LEA",
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
                        (
                            "leaid",
                            models.CharField(
                                max_length=7,
                                unique=True,
                                validators=[
                                    django.core.validators.RegexValidator(
                                        "^\\d{7}$", "An NCES LEAID is exactly 7 digits."
                                    )
                                ],
                                verbose_name="NCES LEAID",
                            ),
                        ),
                        ("name", models.CharField(max_length=200)),
                        ("agency_type", models.CharField(blank=True, max_length=100)),
                        (
                            "locale",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("city", "City"),
                                    ("suburb", "Suburb"),
                                    ("town", "Town"),
                                    ("rural", "Rural"),
                                    ("", "Not reported"),
                                ],
                                max_length=10,
                            ),
                        ),
                        (
                            "locale_code",
                            models.CharField(
                                blank=True, max_length=2, verbose_name="NCES locale code"
                            ),
                        ),
                        ("enrollment", models.PositiveIntegerField(blank=True, null=True)),
                        (
                            "school_count",
                            models.PositiveIntegerField(
                                blank=True, null=True, verbose_name="number of schools"
                            ),
                        ),
                        (
                            "is_charter",
                            models.BooleanField(default=False, verbose_name="charter LEA"),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("open", "Open"),
                                    ("closed", "Closed"),
                                    ("new", "New"),
                                    ("changed", "Changed boundary"),
                                    ("inactive", "Inactive"),
                                    ("future", "Future"),
                                    ("reopened", "Reopened"),
                                ],
                                default="open",
                                max_length=10,
                                verbose_name="operational status",
                            ),
                        ),
                        ("city", models.CharField(blank=True, max_length=100)),
                        (
                            "ccd_school_year",
                            models.CharField(
                                blank=True,
                                help_text="School year of the NCES file these facts came from, e.g. 2023-2024.",
                                max_length=9,
                                verbose_name="CCD school year",
                            ),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "state",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="leas",
                                to="directory.state",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "LEA",
                        "verbose_name_plural": "LEAs",
                        "db_table": "readiness_lea",
                        "ordering": ["name"],
                        "indexes": [
                            models.Index(
                                fields=["state", "name"], name="readiness_l_state_i_de451a_idx"
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_forward, content_types_backward),
    ]
