"""States and LEAs as NCES describes them, and the CCD files that load them."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from jobs.models import Job

LEAID_VALIDATOR = RegexValidator(r"^\d{7}$", "An NCES LEAID is exactly 7 digits.")
USPS_VALIDATOR = RegexValidator(r"^[A-Z]{2}$", "A state code is two capital letters.")

# The tables keep the names they had when these models lived in the `readiness` app
# (see directory/migrations/0001_initial.py): moving a model must not move its rows.


class State(models.Model):
    code = models.CharField("USPS code", max_length=2, unique=True, validators=[USPS_VALIDATOR])
    fips = models.CharField("FIPS code", max_length=2, unique=True, null=True, blank=True)
    name = models.CharField(max_length=100)

    class Meta:
        db_table = "readiness_state"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Locale(models.TextChoices):
    CITY = "city", "City"
    SUBURB = "suburb", "Suburb"
    TOWN = "town", "Town"
    RURAL = "rural", "Rural"
    UNKNOWN = "", "Not reported"


def size_band_of(enrollment: int | None) -> str:
    """An LEA's size band: small under 1,000 students, medium under 10,000, large from
    10,000; "unknown" when no enrollment is reported."""
    if enrollment is None:
        return "unknown"
    if enrollment < 1000:
        return "small"
    if enrollment < 10000:
        return "medium"
    return "large"


class LEA(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        NEW = "new", "New"
        CHANGED = "changed", "Changed boundary"
        INACTIVE = "inactive", "Inactive"
        FUTURE = "future", "Future"
        REOPENED = "reopened", "Reopened"

    leaid = models.CharField("NCES LEAID", max_length=7, unique=True, validators=[LEAID_VALIDATOR])
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="leas")
    # The state's USPS code, copied onto the LEA so that the national LEA list, ordered by
    # state and then name, reads its pages from one index (lea_state_order) instead of
    # sorting every LEA joined to its state. Whoever sets `state` sets it too; a state's
    # code changing is copied to its LEAs by `directory.services.lea_state_codes_sync`.
    state_code = models.CharField("state code", max_length=2, editable=False, default="")
    name = models.CharField(max_length=200)
    agency_type = models.CharField(max_length=100, blank=True)
    locale = models.CharField(max_length=10, choices=Locale.choices, blank=True)
    locale_code = models.CharField("NCES locale code", max_length=2, blank=True)
    enrollment = models.PositiveIntegerField(null=True, blank=True)
    school_count = models.PositiveIntegerField("number of schools", null=True, blank=True)
    is_charter = models.BooleanField("charter LEA", default=False)
    status = models.CharField(
        "operational status", max_length=10, choices=Status.choices, default=Status.OPEN
    )
    city = models.CharField(max_length=100, blank=True)
    ccd_school_year = models.CharField(
        "CCD school year",
        max_length=9,
        blank=True,
        help_text="School year of the NCES file these facts came from, e.g. 2023-2024.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "readiness_lea"
        ordering = ["name"]
        verbose_name = "LEA"
        verbose_name_plural = "LEAs"
        indexes = [
            models.Index(fields=["state", "name"]),
            # What a cycle summary's stamp reads (assessments.summaries), from the index alone.
            models.Index(fields=["state", "updated_at"], name="lea_state_changed"),
            # The LEA list sorted by name reads its pages from this index (keyset).
            models.Index(fields=["name", "id"], name="lea_name_id"),
            # ... and, across states, from this one (its order: state, name, id).
            models.Index(fields=["state_code", "name", "id"], name="lea_state_order"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.leaid})"

    @property
    def size_band(self) -> str:
        return size_band_of(self.enrollment)


class ImportJob(Job):
    """An uploaded NCES CCD file: previewed by a Celery worker, then, once a person confirms
    the preview, imported by another.

    The shared job lifecycle (queued, running, done, failed) runs twice, once per ``phase``:
    the preview's run ends in ``previewed`` instead of done, and confirming queues the job
    again for the import. A preview nobody confirms is cancelled or, after
    ``IMPORT_ABANDONED_HOURS``, expired; either way its file is deleted.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        PREVIEWED = "previewed", "Previewed"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"

    class Phase(models.TextChoices):
        PREVIEW = "preview", "Preview"
        IMPORT = "import", "Import"

    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The USPS codes this upload may touch (a state administrator's own state), empty = any.
    allowed_states = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # An upload starts in the preview phase (import_job_create says so); a row made any other
    # way is an import, as every job was before the preview moved to the worker.
    phase = models.CharField(max_length=7, choices=Phase.choices, default=Phase.IMPORT)
    preview = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=1000, blank=True)  # a refusal can be long
    # What the person confirmed: the states the file is the complete list of, those of them
    # where it lists fewer than half the operating LEAs and they said so, and the number of
    # LEAs that closes. The import refuses to close any other number.
    complete_for = models.JSONField(default=list, blank=True)
    partial_ok = models.JSONField(default=list, blank=True)
    expected_closures = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "readiness_importjob"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import of {self.original_name} ({self.status_label})"

    @property
    def is_previewing(self) -> bool:
        return self.phase == self.Phase.PREVIEW and self.status in (
            self.Status.QUEUED,
            self.Status.RUNNING,
        )

    @property
    def status_label(self) -> str:
        if self.is_previewing:
            return "Waiting for preview" if self.status == self.Status.QUEUED else "Previewing"
        if self.phase == self.Phase.PREVIEW and self.status == self.Status.FAILED:
            return "Refused"
        return self.get_status_display()
