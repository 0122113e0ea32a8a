"""Celery tasks of the directory app. Each job task takes an id, calls a service, returns
nothing: ``import_preview`` (the dry run after an upload), ``import_run`` (the import).

Acknowledged late and requeued when the worker process dies: the import is one
transaction, so a killed import left nothing behind, and the redelivered message (same
task id) takes the job over (see jobs.services). Celery retries transient errors.
"""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from jobs.retry import job_retries_exhausted, job_task

logger = logging.getLogger(__name__)

MAX_RETRIES = 3
# Errors worth trying again: the database was briefly unavailable.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


# The name it had in the readiness app, so messages queued before the split still run.
@job_task(name="readiness.tasks.import_run", transient=TRANSIENT_ERRORS, max_retries=MAX_RETRIES)
def import_run(self, job_id: int) -> None:
    from .models import ImportJob
    from .services import import_job_give_up, import_job_run

    try:
        import_job_run(job_id=job_id, task_id=self.request.id or "")
    except ImportJob.DoesNotExist:
        logger.warning("import job %s no longer exists", job_id)
    except TRANSIENT_ERRORS:
        if not job_retries_exhausted(self):
            raise  # Celery retries the task after a pause
        logger.error("import job %s: giving up after %d retries", job_id, MAX_RETRIES)
        import_job_give_up(job_id=job_id)


@shared_task(acks_late=True)
def import_sweep() -> dict:
    """Periodic (celery beat): restart imports whose worker died, send those the broker
    never got. See services.import_job_sweep."""
    from .services import import_job_sweep

    sent, restarted, failed = import_job_sweep()
    return {"sent": sent, "restarted": restarted, "failed": failed}


@job_task(
    name="directory.tasks.import_preview", transient=TRANSIENT_ERRORS, max_retries=MAX_RETRIES
)
def import_preview(self, job_id: int) -> None:
    from .models import ImportJob
    from .services import import_job_give_up, import_job_preview

    try:
        import_job_preview(job_id=job_id, task_id=self.request.id or "")
    except ImportJob.DoesNotExist:
        logger.warning("import job %s no longer exists", job_id)
    except TRANSIENT_ERRORS:
        if not job_retries_exhausted(self):
            raise
        logger.error("preview of import job %s: giving up after %d retries", job_id, MAX_RETRIES)
        import_job_give_up(job_id=job_id)


@shared_task(name="directory.tasks.import_expire_abandoned", acks_late=True)
def import_expire_abandoned() -> int:
    """Periodic (celery beat): expire previews nobody confirmed in time, deleting their files."""
    from .services import import_job_expire_abandoned

    return import_job_expire_abandoned()
