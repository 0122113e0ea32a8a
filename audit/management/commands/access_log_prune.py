from django.conf import settings
from django.core.management.base import BaseCommand

from audit.services import access_event_prune


class Command(BaseCommand):
    help = (
        "Delete access-log events older than ACCESS_LOG_RETENTION_DAYS. Celery beat runs "
        "this daily; run it from cron where beat does not run."
    )

    def handle(self, *args, **options):
        deleted = access_event_prune()
        self.stdout.write(
            f"Deleted {deleted} access-log event{'s' if deleted != 1 else ''} older than "
            f"{settings.ACCESS_LOG_RETENTION_DAYS} days."
        )
