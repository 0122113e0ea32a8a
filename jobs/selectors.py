"""Reads of the shared job lifecycle: which running jobs lost their worker."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Job, JobStatus


def job_stale_after() -> timedelta:
    """A running attempt records a heartbeat every JOB_HEARTBEAT_SECONDS
    (``jobs.services.job_heartbeat``), however long its work takes; one silent for
    JOB_STALE_SECONDS lost its worker (killed, or stopped at the hard time limit)."""
    return timedelta(seconds=settings.JOB_STALE_SECONDS)


def job_is_stale(*, job: Job, now: datetime | None = None, after: timedelta | None = None) -> bool:
    if job.status != JobStatus.RUNNING:
        return False
    last = job.heartbeat_at or job.started_at
    if last is None:
        return False
    return (now or timezone.now()) - last > (job_stale_after() if after is None else after)


def job_stale_filter(*, jobs: QuerySet, after: timedelta | None = None) -> QuerySet:
    """The running jobs of ``jobs`` whose last sign of life is older than ``after``."""
    cutoff = timezone.now() - (job_stale_after() if after is None else after)
    return (
        jobs.filter(status=JobStatus.RUNNING)
        .alias(last_seen=Coalesce("heartbeat_at", "started_at"))
        .filter(last_seen__lt=cutoff)
    )
