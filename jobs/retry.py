"""How every job task is declared: Celery's own retry and backoff, nothing hand-rolled.

Kept free of model imports: task modules import it when Celery loads them.
"""

from collections.abc import Callable
from typing import Any

from celery import shared_task


def job_task(
    *, transient: tuple[type[BaseException], ...], max_retries: int, name: str | None = None
) -> Callable:
    """``shared_task`` for a job: bound, acknowledged late and requeued when its worker
    process dies (the redelivered message takes the job over), and retried by Celery on
    the ``transient`` errors after about 2, 4, 8... seconds (full jitter, at most 60)."""
    return shared_task(
        name=name,
        bind=True,
        acks_late=True,
        reject_on_worker_lost=True,
        autoretry_for=transient,
        retry_backoff=2,
        retry_backoff_max=60,
        retry_jitter=True,
        max_retries=max_retries,
    )


def job_retries_exhausted(task: Any) -> bool:
    """Inside a job task: True on its last try, when raising a transient error again would
    fail the task instead of retrying it, so the job must be given up instead."""
    return task.request.retries >= task.max_retries
