"""Celery tasks of the directory app. Each takes an id, calls a service, returns nothing.

Acknowledged late and requeued when the worker process dies: the import is one
transaction, so a killed import left nothing behind, and the redelivered message (same
task id) takes the job over (see directory.services).
"""

import logging
import random

from celery import shared_task

logger = logging.getLogger(__name__)

MAX_RETRIES = 3


def retry_countdown(retries: int) -> float:
    """Exponential backoff with jitter: about 2, 4, 8 seconds."""
    return min(60.0, 2.0 ** (retries + 1)) * random.uniform(0.8, 1.2)


# The name it had in the readiness app, so messages queued before the split still run.
@shared_task(
    name="readiness.tasks.import_run",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
)
def import_run(self, job_id: int) -> None:
    from .models import ImportJob
    from .services import TRANSIENT_ERRORS, import_job_give_up, import_job_run

    try:
        import_job_run(job_id=job_id, task_id=self.request.id or "")
    except ImportJob.DoesNotExist:
        logger.warning("import job %s no longer exists", job_id)
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= MAX_RETRIES:
            logger.error("import job %s: giving up after %d retries", job_id, MAX_RETRIES)
            import_job_give_up(job_id=job_id)
            return
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc
