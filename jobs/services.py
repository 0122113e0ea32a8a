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

While an attempt works, a thread beside it records a heartbeat (``job_heartbeat``); the
sweep queues again a running job whose heartbeat is older than JOB_STALE_SECONDS. The
heartbeat is the one write that leaves ``version`` alone (it changes no state, and must
not overtake the attempt's own progress writes); it only lands while the row is still
running for that attempt, and the sweep requeues only while the heartbeat is still old.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Job, JobStatus
from .selectors import job_stale_after, job_stale_filter

logger = logging.getLogger(__name__)


def job_update(*, job: Job, when: Q | None = None, **fields: Any) -> bool:
    """Write fields if nobody wrote the row since ``job`` was read (and, given ``when``,
    the row still matches it); the instance follows. Returns False (and changes nothing)
    when the row has moved on."""
    fields["version"] = job.version + 1
    rows = type(job)._default_manager.filter(pk=job.pk, version=job.version)
    if when is not None:
        rows = rows.filter(when)
    updated = rows.update(**fields)
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


def job_fail(*, job: Job, error: str, when: Q | None = None, **fields: Any) -> bool:
    """Mark the job failed with a message in plain words (cut to the column's length)."""
    limit = type(job)._meta.get_field("error").max_length or len(error)
    if len(error) > limit:
        error = error[: limit - 1] + "…"
    return job_update(
        job=job,
        when=when,
        status=JobStatus.FAILED,
        error=error,
        finished_at=timezone.now(),
        **fields,
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


def job_requeue(*, job: Job, when: Q | None = None, **fields: Any) -> bool:
    """Queue the job afresh (a person's retry, a vanished attempt): no holder, no times."""
    return job_update(
        job=job,
        when=when,
        status=JobStatus.QUEUED,
        task_id="",
        started_at=None,
        heartbeat_at=None,
        finished_at=None,
        error="",
        **fields,
    )


# --- heartbeat and stale attempts ------------------------------------------------------


def job_touch(*, job: Job) -> bool:
    """Record that the attempt which claimed ``job`` is alive, without bumping the version.
    False when the row is no longer running for that attempt (finished, failed, requeued
    or taken over): its heartbeat stops."""
    rows = type(job)._default_manager.filter(
        pk=job.pk,
        status=JobStatus.RUNNING,  # type: ignore[misc]  # each concrete job declares status
        task_id=job.task_id,
        attempts=job.attempts,
    )
    return bool(rows.update(heartbeat_at=timezone.now()))


@contextlib.contextmanager
def job_heartbeat(*, job: Job, every: float | None = None) -> Iterator[threading.Event]:
    """Around the work of a claimed job: a thread records a heartbeat every ``every``
    seconds (JOB_HEARTBEAT_SECONDS), so a long render or import never looks stale while
    its worker lives, and stops as soon as the worker dies. Yields an event that is set
    when the row stopped being this attempt's (its writes will change nothing).

    The thread has its own database connection: the heartbeat lands even while the work
    holds a transaction open. A failed heartbeat (database briefly away) is only logged;
    enough of them in a row and the sweep takes the job, which the version guards."""
    interval = float(settings.JOB_HEARTBEAT_SECONDS if every is None else every)
    stop = threading.Event()
    lost = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(interval):
                try:
                    alive = job_touch(job=job)
                except DatabaseError as exc:
                    logger.warning("heartbeat of %s %s failed: %s", type(job).__name__, job.pk, exc)
                    continue
                if not alive:
                    lost.set()
                    return
        finally:
            connections.close_all()  # this thread's connections only

    thread = threading.Thread(
        target=beat, name=f"heartbeat-{type(job).__name__}-{job.pk}", daemon=True
    )
    thread.start()
    try:
        yield lost
    finally:
        stop.set()
        thread.join(timeout=1)  # a heartbeat stuck on the database finds the row moved on


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
    cutoff = timezone.now() - (job_stale_after() if after is None else after)
    # Checked again in each write: a heartbeat that landed since the read keeps the job.
    still_silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True)
    requeued: list[int] = []
    failed = 0
    for job in job_stale_filter(jobs=jobs, after=after):
        if job.attempts >= max_attempts:
            failed += job_fail(job=job, error=gave_up.format(n=job.attempts), when=still_silent)
        elif job_requeue(job=job, when=still_silent, **requeue_fields):
            requeued.append(job.pk)
    return requeued, failed
