from django.db import models

from accounts.models import User
from assessments.models import AssessmentCycle
from directory.models import LEA, State
from jobs.models import Job


class ReportJob(Job):
    """One request for a readiness PDF. The row is what the page shows; workers update it."""

    class Kind(models.TextChoices):
        LEA = "lea", "LEA readiness report"
        STATE = "state", "Statewide report"
        PLAN = "plan", "LEA improvement plan"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=5, choices=Kind.choices)
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="report_jobs")
    lea = models.ForeignKey(
        LEA, on_delete=models.PROTECT, null=True, blank=True, related_name="report_jobs"
    )
    cycle = models.ForeignKey(AssessmentCycle, on_delete=models.PROTECT, related_name="report_jobs")
    batch = models.ForeignKey(
        "ReportBatch", on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    input_hash = models.CharField(max_length=64, blank=True)
    file = models.FileField(upload_to="reports/%Y/%m/", blank=True)
    page_count = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Last successful hand-over to the broker; empty while the broker could not be reached.
    enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["kind", "lea", "cycle", "input_hash"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="lea_job_names_an_lea",
                condition=models.Q(kind="state") | models.Q(lea__isnull=False),
            )
        ]

    def __str__(self) -> str:
        subject = self.lea.name if self.lea_id else self.state.name
        return f"{self.get_kind_display()} · {subject} · {self.get_status_display()}"

    @property
    def status_message(self) -> str:
        """What the job page says about the job, in plain words."""
        if self.status == self.Status.QUEUED:
            if self.enqueued_at is None:
                return (
                    "Queued. The report service cannot be reached right now; your request is "
                    "saved and will start when a report worker is available."
                )
            return "Queued: it will start when a report worker is available."
        if self.status == self.Status.RUNNING:
            return f"Being prepared ({self.progress}% done)."
        if self.status == self.Status.DONE:
            return "Ready to download."
        return f"This report could not be made. {self.error or 'An unexpected error stopped it.'}"

    @property
    def subject(self) -> str:
        """The LEA's or the state's name."""
        return self.lea.name if self.lea_id else self.state.name


class ReportBatch(models.Model):
    """All LEA reports of one state and cycle, queued in one action."""

    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="report_batches")
    cycle = models.ForeignKey(AssessmentCycle, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "report batches"

    def __str__(self) -> str:
        return f"Batch {self.pk} · {self.state_id} · {self.cycle_id}"


class ReportBatchZip(Job):
    """One zip of a batch's finished PDFs, built by a worker. `input_hash` names the PDFs
    it holds, so an unchanged batch reuses its zip and a batch whose failed reports were
    made later gets a new one."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    batch = models.ForeignKey(ReportBatch, on_delete=models.CASCADE, related_name="zips")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    input_hash = models.CharField(max_length=64)
    file = models.FileField(upload_to="reports/zips/", blank=True)
    file_count = models.PositiveIntegerField(default=0)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["batch", "input_hash"])]

    def __str__(self) -> str:
        return f"Zip of batch {self.batch_id} · {self.get_status_display()}"

    @property
    def status_message(self) -> str:
        if self.status == self.Status.QUEUED:
            return "Queued: the zip will be made when a report worker is available."
        if self.status == self.Status.RUNNING:
            return f"Putting the PDFs into one zip ({self.progress}% done)."
        if self.status == self.Status.DONE:
            return f"The zip of {self.file_count:,} PDFs is ready to download."
        return f"The zip could not be made. {self.error or 'An unexpected error stopped it.'}"
