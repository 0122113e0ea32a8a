from django.conf import settings
from django.core.management.base import BaseCommand

from directory.services import import_job_expire_abandoned


class Command(BaseCommand):
    help = (
        "Expire LEA import previews that nobody confirmed or cancelled within "
        "IMPORT_ABANDONED_HOURS and delete their uploaded files. Safe to run at any time "
        "(for example from cron, when celery beat is not running)."
    )

    def handle(self, *args, **options):
        count = import_job_expire_abandoned()
        self.stdout.write(
            f"{count} import preview(s) older than {settings.IMPORT_ABANDONED_HOURS} hours "
            "expired; their files were deleted."
        )
