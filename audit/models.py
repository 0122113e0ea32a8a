"""One row per recorded access: the access log read by national administrators.

Rows are only ever added (by audit.services) and removed when older than the retention
period (ACCESS_LOG_RETENTION_DAYS); nothing edits one.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

USERNAME_LENGTH = 150
METHOD_LENGTH = 10
PATH_LENGTH = 255
DETAIL_LENGTH = 255


class AccessEvent(models.Model):
    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Failed sign-in"
        LOCKED_OUT = "locked_out", "Sign-in refused: account locked"
        SIGN_OUT = "sign_out", "Signed out"
        REPORT_DOWNLOAD = "report_download", "Downloaded a report"
        CSV_EXPORT = "csv_export", "Exported a CSV file"
        IMPORT_UPLOAD = "import_upload", "Uploaded an LEA file"
        IMPORT_CONFIRM = "import_confirm", "Confirmed an LEA import"
        REFUSED = "refused", "Refused: not allowed"

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    # The account, when the request had one; the user name is kept as typed (a failed
    # sign-in may name no account) and stays readable if the account is deleted.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(max_length=USERNAME_LENGTH, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    method = models.CharField(max_length=METHOD_LENGTH, blank=True)
    path = models.CharField(max_length=PATH_LENGTH, blank=True)
    detail = models.CharField(max_length=DETAIL_LENGTH, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = "access event"

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.username}"
