from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_job_task_id_enqueued_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportjob",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
