"""Every email the portal sends, one row per recipient, kept as written.

The row is written (queued) before anything is handed to the mail server and records
every attempt, so an email the server refused after all retries stays visible (failed,
with the server's last answer) and can be sent again from the admin: nothing is lost.
The lifecycle is the one every background job has (jobs.services).
"""

from django.db import models

from accounts.models import NotificationKind, User
from jobs.models import Job


class OutgoingEmail(Job):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Sending"
        DONE = "done", "Sent"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    recipient = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_address = models.EmailField("to")
    subject = models.CharField(max_length=200)
    body_text = models.TextField()
    body_html = models.TextField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    # Set for emails that must go out once only (the daily digest: one per person per day).
    dedupe_key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Last successful hand-over to the broker; empty while the broker could not be reached.
    enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "outgoing email"
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="outgoing_email_once_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to_address} · {self.get_status_display()}"
