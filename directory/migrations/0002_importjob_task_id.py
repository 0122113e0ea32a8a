"""ImportJob joins the shared job lifecycle (jobs.models.Job): the Celery task id and the
start time move out of the ``result`` JSON into columns; attempts and a heartbeat are new.
Every row is kept; going back puts the two values into ``result`` again."""

from datetime import UTC, datetime

from django.db import migrations, models
from django.utils import timezone

MOVED = ("task_id", "started_at")


def _parse(value):
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


def result_to_columns(apps, schema_editor):
    ImportJob = apps.get_model("directory", "ImportJob")
    for job in ImportJob.objects.all().only("pk", "result").iterator():
        result = job.result if isinstance(job.result, dict) else {}
        if not any(key in result for key in MOVED):
            continue
        task_id = str(result.pop("task_id", "") or "")[:64]
        started_at = _parse(result.pop("started_at", None))
        ImportJob.objects.filter(pk=job.pk).update(
            task_id=task_id, started_at=started_at, heartbeat_at=started_at, result=result
        )


def columns_to_result(apps, schema_editor):
    ImportJob = apps.get_model("directory", "ImportJob")
    rows = ImportJob.objects.exclude(task_id="", started_at=None).only(
        "pk", "result", "task_id", "started_at"
    )
    for job in rows.iterator():
        result = job.result if isinstance(job.result, dict) else {}
        if job.task_id:
            result["task_id"] = job.task_id
        if job.started_at:
            result["started_at"] = job.started_at.isoformat()
        ImportJob.objects.filter(pk=job.pk).update(result=result)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="task_id",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="importjob",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="importjob",
            name="started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="importjob",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(result_to_columns, columns_to_result),
    ]
