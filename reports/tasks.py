import logging

from celery import shared_task
from django.db import OperationalError

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    autoretry_for=(OperationalError,),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=5,
    acks_late=True,
)
def report_render(self, job_id: int) -> None:
    from .models import ReportJob
    from .services import report_render_job

    try:
        report_render_job(job_id=job_id)
    except ReportJob.DoesNotExist:
        # The request was withdrawn (or belongs to another database); nothing to do.
        logger.warning("report job %s no longer exists", job_id)
