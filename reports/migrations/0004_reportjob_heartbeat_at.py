from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_models_moved_out_of_readiness"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportjob",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
