"""One lifecycle for every background job: claim, progress, finish, fail, give up, requeue.

    queued --claim--> running --finish--> done
      ^                  |  \\--fail-----> failed
      |                  |
      +----release-------+   (a transient error: Celery retries the task with backoff)
      +----requeue-------+   (the attempt vanished: the stale sweep, or a person)

Every write is a conditional ``UPDATE ... WHERE version = n`` that bumps the version, so
of two writers holding the same version only one changes the row, and an attempt that
was overtaken (requeued, taken over by a redelivered message) can no longer write.

A worker claims a queued job for its Celery task id. A running job is taken over only by
a message carrying the same task id: that message was redelivered (acks_late) after its
worker died, or retried, so the earlier attempt is over. Any other message for a running,
done or failed job does nothing, so a job sent twice runs once.

The task decides what is transient (``jobs.retry.job_task``): Celery retries those errors
with its own backoff, and the task calls the job's give-up service after the last try.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from .models import Job, JobStatus
from .selectors import job_stale_filter


def job_update(*, job: Job, **fields: Any) -> bool:
    """Write fields if nobody wrote the row since ``job`` was read; the instance follows.
    Returns False (and changes nothing) when the row has moved on."""
    fields["version"] = job.version + 1
    updated = type(job)._default_manager.filter(pk=job.pk, version=job.version).update(**fields)
    if updated:
        for key, value in fields.items():
            setattr(job, key, value)
    return bool(updated)


def job_claim(
    *,
    job: Job,
    task_id: str,
    max_attempts: int | None = None,
    gave_up: str = "",
    **fields: Any,
) -> bool:
    """Take the job for the attempt of ``task_id`` and mark it running (with ``fields``).
    False when it is not this attempt's to run: not queued, held by another task, or out
    of attempts (then it fails with ``gave_up``, formatted with ``n``, the attempts)."""
    for _ in range(3):
        taking_over = job.status == JobStatus.RUNNING and bool(task_id) and job.task_id == task_id
        if job.status != JobStatus.QUEUED and not taking_over:
            return False
        if max_attempts is not None and job.attempts >= max_attempts:
            job_fail(job=job, error=gave_up.format(n=job.attempts))
            return False
        now = timezone.now()
        if job_update(
            job=job,
            status=JobStatus.RUNNING,
            task_id=task_id,
            attempts=job.attempts + 1,
            started_at=now,
            heartbeat_at=now,
            error="",
            **fields,
        ):
            return True
        job.refresh_from_db()  # written under us (another claim, a re-send): look again
    return False


def job_progress(*, job: Job, **fields: Any) -> bool:
    """Record that the running attempt is alive, with any progress ``fields``. Without
    fields it is a plain heartbeat. False when the attempt was overtaken: stop work."""
    return job_update(job=job, heartbeat_at=timezone.now(), **fields)


def job_finish(*, job: Job, **fields: Any) -> bool:
    """Mark the job done with its results in ``fields``."""
    return job_update(
        job=job, status=JobStatus.DONE, error="", finished_at=timezone.now(), **fields
    )


def job_fail(*, job: Job, error: str, **fields: Any) -> bool:
    """Mark the job failed with a message in plain words (cut to the column's length)."""
    limit = type(job)._meta.get_field("error").max_length or len(error)
    if len(error) > limit:
        error = error[: limit - 1] + "…"
    return job_update(
        job=job, status=JobStatus.FAILED, error=error, finished_at=timezone.now(), **fields
    )


def job_release(*, job: Job, **fields: Any) -> bool:
    """Give a running job back to the queue after a transient error; the task's retry
    (same task id) claims it again."""
    return job_update(job=job, status=JobStatus.QUEUED, **fields)


def job_give_up(*, job: Job, error: str) -> bool:
    """After the task's last retry: fail the job unless it finished meanwhile."""
    if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return False
    return job_fail(job=job, error=error)


def job_requeue(*, job: Job, **fields: Any) -> bool:
    """Queue the job afresh (a person's retry, a vanished attempt): no holder, no times."""
    return job_update(
        job=job,
        status=JobStatus.QUEUED,
        task_id="",
        started_at=None,
        heartbeat_at=None,
        finished_at=None,
        error="",
        **fields,
    )


# --- stale attempts -------------------------------------------------------------------


def job_sweep_stale(
    *,
    jobs: QuerySet,
    max_attempts: int,
    gave_up: str,
    after: timedelta | None = None,
    **requeue_fields: Any,
) -> tuple[list[int], int]:
    """Requeue every stale running job of ``jobs`` that has attempts left, fail the others
    with ``gave_up`` (formatted with ``n``). Returns (ids requeued, how many failed). Safe
    to run from several places at once: every change is conditional."""
    requeued: list[int] = []
    failed = 0
    for job in job_stale_filter(jobs=jobs, after=after):
        if job.attempts >= max_attempts:
            failed += job_fail(job=job, error=gave_up.format(n=job.attempts))
        elif job_requeue(job=job, **requeue_fields):
            requeued.append(job.pk)
    return requeued, failed
