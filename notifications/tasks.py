"""Celery tasks of the notifications app. Each takes ids and calls a service.

The event tasks are named by cbe_portal.notices (the apps below this one queue them by
name); `email_send` sends one written email and is the only one that talks to the mail
server, so only it retries: on SMTPException or OSError, with Celery's own backoff.
"""

import logging
from smtplib import SMTPException

from celery import shared_task

from jobs.retry import job_retries_exhausted, job_task

logger = logging.getLogger(__name__)

MAX_RETRIES = 8  # about two minutes of pauses (2, 4, 8... seconds, at most 60 each)


@job_task(transient=(SMTPException, OSError), max_retries=MAX_RETRIES)
def email_send(self, email_id: int) -> None:
    from .models import OutgoingEmail
    from .services import email_deliver, email_give_up

    try:
        email_deliver(email_id=email_id, task_id=self.request.id or "")
    except OutgoingEmail.DoesNotExist:
        logger.warning("email %s no longer exists", email_id)
    except (SMTPException, OSError):
        if not job_retries_exhausted(self):
            raise  # Celery retries the task after a pause
        logger.error("email %s: giving up after %d retries", email_id, MAX_RETRIES)
        email_give_up(email_id=email_id)


@shared_task(acks_late=True)
def assessments_assigned(assessment_ids: list[int], assignee_id: int) -> int:
    from .services import assessments_assigned_notify

    return assessments_assigned_notify(assessment_ids=assessment_ids, assignee_id=assignee_id)


@shared_task(acks_late=True)
def assessment_submitted(assessment_id: int, actor_id: int | None = None) -> int:
    from .services import assessment_submitted_notify

    return assessment_submitted_notify(assessment_id=assessment_id, actor_id=actor_id)


@shared_task(acks_late=True)
def assessment_returned(assessment_id: int, actor_id: int | None = None) -> int:
    from .services import assessment_returned_notify

    return assessment_returned_notify(assessment_id=assessment_id, actor_id=actor_id)


@shared_task(acks_late=True)
def assessment_accepted(assessment_id: int, actor_id: int | None = None) -> int:
    from .services import assessment_accepted_notify

    return assessment_accepted_notify(assessment_id=assessment_id, actor_id=actor_id)


@shared_task(acks_late=True)
def report_ready(job_id: int) -> int:
    from .services import report_ready_notify

    return report_ready_notify(job_id=job_id)


@shared_task(acks_late=True)
def due_digest() -> int:
    """Periodic (celery beat, once a day): see services.due_digest_send."""
    from .services import due_digest_send

    return due_digest_send()


@shared_task(acks_late=True)
def email_sweep(queued_for: int = 900) -> int:
    """Periodic (celery beat): see services.email_sweep."""
    from .services import email_sweep as sweep

    return sweep(queued_for=queued_for)
