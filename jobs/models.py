"""The columns every background job shares (CCD imports, report PDFs).

A job row is what its page shows. Workers and people both write it, so every write goes
through ``jobs.services`` as a conditional update on ``version``.
"""

from django.db import models


class JobStatus(models.TextChoices):
    """The states of the shared lifecycle. A job model may add states of its own before
    QUEUED (an import's preview); the lifecycle only moves jobs between these four."""

    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Job(models.Model):
    """Abstract: a concrete job declares its own ``status`` (with at least the values of
    JobStatus) beside these columns."""

    # Bumped by every write; a writer holding an older version changes nothing.
    version = models.PositiveIntegerField(default=1)
    # The Celery task id of the attempt that holds the job while it runs. A message that
    # carries the same id again was redelivered or retried: the earlier attempt is over.
    task_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    # Last sign of life of the running attempt (its claim or its latest progress).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Why the job failed or waits, in plain words for its page (never a stack trace).
    error = models.CharField(max_length=500, blank=True)

    status: str

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
