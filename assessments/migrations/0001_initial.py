"""AssessmentCycle, Assessment, Answer, Comment and the two history models move here from the `readiness` app (accounts/) without touching the database.

The tables were created by readiness 0001-0003 and keep their names (`Meta.db_table`), so
this migration only tells Django's migration state that the models now belong to this
app; readiness 0004 removes them from that app's state. The content types follow, so
permissions and admin history stay attached to the same rows."""

import django.core.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

APP = "assessments"
MODELS = [
    "assessmentcycle",
    "assessment",
    "historicalassessment",
    "answer",
    "historicalanswer",
    "comment",
]


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
        ("directory", "0001_initial"),
        ("frameworks", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # State only: the tables stay where they are (see the module docstring).
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="AssessmentCycle",
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
                        ("name", models.CharField(help_text="For example 2026-27.", max_length=40)),
                        ("starts_on", models.DateField()),
                        ("ends_on", models.DateField()),
                        ("is_open", models.BooleanField(default=True)),
                        (
                            "framework",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="cycles",
                                to="frameworks.frameworkversion",
                            ),
                        ),
                        (
                            "state",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="cycles",
                                to="directory.state",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "readiness_assessmentcycle",
                        "ordering": ["state", "-starts_on"],
                    },
                ),
                migrations.CreateModel(
                    name="Assessment",
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
                            "status",
                            models.CharField(
                                choices=[
                                    ("draft", "Draft"),
                                    ("submitted", "Submitted"),
                                    ("returned", "Returned for changes"),
                                    ("accepted", "Accepted"),
                                ],
                                default="draft",
                                max_length=10,
                            ),
                        ),
                        ("version", models.PositiveIntegerField(default=1)),
                        ("answered_count", models.PositiveSmallIntegerField(default=0)),
                        ("scores", models.JSONField(blank=True, default=dict)),
                        ("overall_score", models.FloatField(blank=True, null=True)),
                        ("stage", models.CharField(blank=True, max_length=30)),
                        ("submitted_at", models.DateTimeField(blank=True, null=True)),
                        ("accepted_at", models.DateTimeField(blank=True, null=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "assignee",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="assignments",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "lea",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="assessments",
                                to="directory.lea",
                            ),
                        ),
                        (
                            "scored_with",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="frameworks.frameworkversion",
                            ),
                        ),
                        (
                            "cycle",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="assessments",
                                to="assessments.assessmentcycle",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "readiness_assessment",
                        "ordering": ["lea__name"],
                    },
                ),
                migrations.CreateModel(
                    name="Comment",
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
                        ("body", models.TextField(max_length=4000)),
                        ("is_return_note", models.BooleanField(default=False)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "assessment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="comments",
                                to="assessments.assessment",
                            ),
                        ),
                        (
                            "author",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "indicator",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="frameworks.indicator",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "readiness_comment",
                        "ordering": ["created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="HistoricalAnswer",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        (
                            "rating",
                            models.PositiveSmallIntegerField(
                                blank=True,
                                null=True,
                                validators=[
                                    django.core.validators.MinValueValidator(1),
                                    django.core.validators.MaxValueValidator(4),
                                ],
                            ),
                        ),
                        (
                            "dont_know",
                            models.BooleanField(default=False, verbose_name="don't know"),
                        ),
                        ("evidence", models.TextField(blank=True, max_length=4000)),
                        ("version", models.PositiveIntegerField(default=1)),
                        ("updated_at", models.DateTimeField(blank=True, editable=False)),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                                max_length=1,
                            ),
                        ),
                        (
                            "assessment",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="assessments.assessment",
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "indicator",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="frameworks.indicator",
                            ),
                        ),
                        (
                            "updated_by",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical answer",
                        "verbose_name_plural": "historical answers",
                        "db_table": "readiness_historicalanswer",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="HistoricalAssessment",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("draft", "Draft"),
                                    ("submitted", "Submitted"),
                                    ("returned", "Returned for changes"),
                                    ("accepted", "Accepted"),
                                ],
                                default="draft",
                                max_length=10,
                            ),
                        ),
                        ("version", models.PositiveIntegerField(default=1)),
                        ("overall_score", models.FloatField(blank=True, null=True)),
                        ("stage", models.CharField(blank=True, max_length=30)),
                        ("submitted_at", models.DateTimeField(blank=True, null=True)),
                        ("accepted_at", models.DateTimeField(blank=True, null=True)),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                                max_length=1,
                            ),
                        ),
                        (
                            "assignee",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "cycle",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="assessments.assessmentcycle",
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "lea",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="directory.lea",
                            ),
                        ),
                        (
                            "scored_with",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="frameworks.frameworkversion",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical assessment",
                        "verbose_name_plural": "historical assessments",
                        "db_table": "readiness_historicalassessment",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="Answer",
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
                            "rating",
                            models.PositiveSmallIntegerField(
                                blank=True,
                                null=True,
                                validators=[
                                    django.core.validators.MinValueValidator(1),
                                    django.core.validators.MaxValueValidator(4),
                                ],
                            ),
                        ),
                        (
                            "dont_know",
                            models.BooleanField(default=False, verbose_name="don't know"),
                        ),
                        ("evidence", models.TextField(blank=True, max_length=4000)),
                        ("version", models.PositiveIntegerField(default=1)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "indicator",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="answers",
                                to="frameworks.indicator",
                            ),
                        ),
                        (
                            "updated_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "assessment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="answers",
                                to="assessments.assessment",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "readiness_answer",
                        "ordering": ["indicator__position"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("assessment", "indicator"), name="one_answer_each"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("rating__isnull", True),
                                    models.Q(("rating__gte", 1), ("rating__lte", 4)),
                                    _connector="OR",
                                ),
                                name="answer_rating_in_rubric",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("dont_know", True), ("rating__isnull", False), _negated=True
                                ),
                                name="answer_rating_or_dont_know",
                            ),
                        ],
                    },
                ),
                migrations.AddConstraint(
                    model_name="assessmentcycle",
                    constraint=models.UniqueConstraint(
                        fields=("state", "name"), name="cycle_name_per_state"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="assessmentcycle",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("ends_on__gte", models.F("starts_on"))),
                        name="cycle_ends_after_start",
                    ),
                ),
                migrations.AddIndex(
                    model_name="assessment",
                    index=models.Index(
                        fields=["cycle", "status"], name="readiness_a_cycle_i_711dba_idx"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="assessment",
                    constraint=models.UniqueConstraint(
                        fields=("lea", "cycle"), name="one_assessment_per_lea_cycle"
                    ),
                ),
            ],
        ),
        migrations.RunPython(content_types_forward, content_types_backward),
    ]
