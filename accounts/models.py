from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords

LEAID_VALIDATOR = RegexValidator(r"^\d{7}$", "An NCES LEAID is exactly 7 digits.")
USPS_VALIDATOR = RegexValidator(r"^[A-Z]{2}$", "A state code is two capital letters.")
EVIDENCE_MAX_LENGTH = 4000


class Role(models.TextChoices):
    NATIONAL_ADMIN = "national_admin", "National administrator"
    STATE_ADMIN = "state_admin", "State administrator"
    STATE_STAFF = "state_staff", "State staff"
    DISTRICT_LEADER = "district_leader", "District leader"
    TASK_FORCE = "task_force", "Task force member"


class State(models.Model):
    code = models.CharField("USPS code", max_length=2, unique=True, validators=[USPS_VALIDATOR])
    fips = models.CharField("FIPS code", max_length=2, unique=True, null=True, blank=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Locale(models.TextChoices):
    CITY = "city", "City"
    SUBURB = "suburb", "Suburb"
    TOWN = "town", "Town"
    RURAL = "rural", "Rural"
    UNKNOWN = "", "Not reported"


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
        ordering = ["name"]
        verbose_name = "LEA"
        verbose_name_plural = "LEAs"
        indexes = [models.Index(fields=["state", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.leaid})"

    @property
    def size_band(self) -> str:
        if self.enrollment is None:
            return "unknown"
        if self.enrollment < 1000:
            return "small"
        if self.enrollment < 10000:
            return "medium"
        return "large"


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.STATE_STAFF)
    state = models.ForeignKey(
        State, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    lea = models.ForeignKey(
        LEA,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name="LEA",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="user_role_has_its_place",
                condition=(
                    models.Q(role="national_admin")
                    | models.Q(role="district_leader", lea__isnull=False)
                    | models.Q(
                        role__in=["state_admin", "state_staff", "task_force"],
                        state__isnull=False,
                    )
                ),
            )
        ]

    @property
    def is_national_admin(self) -> bool:
        return self.role == Role.NATIONAL_ADMIN


class FrameworkVersion(models.Model):
    """One loaded version of the framework file. Immutable once an assessment uses it."""

    code = models.SlugField(max_length=40)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="framework_code_version")
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    @property
    def label(self) -> str:
        return f"{self.code}-v{self.version}"


class Domain(models.Model):
    framework = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="domains"
    )
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="domain_code_per_framework")
        ]

    def __str__(self) -> str:
        return self.name


class Lever(models.Model):
    class Group(models.TextChoices):
        GETTING_STARTED = "getting_started", "Getting started"
        MOVING_FORWARD = "moving_forward", "Moving forward"

    framework = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="levers")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    group = models.CharField(max_length=20, choices=Group.choices)
    summary = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="lever_code_per_framework")
        ]

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    framework = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="indicators"
    )
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(max_length=10)
    area = models.CharField(max_length=200)
    title = models.CharField(max_length=200)
    prompt = models.TextField()
    position = models.PositiveSmallIntegerField()
    levers = models.ManyToManyField(Lever, related_name="indicators", blank=True)

    class Meta:
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"], name="indicator_code_per_framework"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class AssessmentCycle(models.Model):
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="cycles")
    name = models.CharField(max_length=40, help_text="For example 2026-27.")
    starts_on = models.DateField()
    ends_on = models.DateField()
    framework = models.ForeignKey(FrameworkVersion, on_delete=models.PROTECT, related_name="cycles")
    is_open = models.BooleanField(default=True)

    class Meta:
        ordering = ["state", "-starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["state", "name"], name="cycle_name_per_state"),
            models.CheckConstraint(
                name="cycle_ends_after_start",
                condition=models.Q(ends_on__gte=models.F("starts_on")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.state.code} {self.name}"


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        RETURNED = "returned", "Returned for changes"
        ACCEPTED = "accepted", "Accepted"

    lea = models.ForeignKey(LEA, on_delete=models.PROTECT, related_name="assessments")
    cycle = models.ForeignKey(AssessmentCycle, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    assignee = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="assignments"
    )
    version = models.PositiveIntegerField(default=1)
    answered_count = models.PositiveSmallIntegerField(default=0)
    # Scores are derived data: stored with the framework version that produced them.
    scores = models.JSONField(default=dict, blank=True)
    overall_score = models.FloatField(null=True, blank=True)
    stage = models.CharField(max_length=30, blank=True)
    scored_with = models.ForeignKey(
        FrameworkVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["scores", "updated_at", "answered_count"])

    class Meta:
        ordering = ["lea__name"]
        constraints = [
            models.UniqueConstraint(fields=["lea", "cycle"], name="one_assessment_per_lea_cycle")
        ]
        indexes = [models.Index(fields=["cycle", "status"])]

    def __str__(self) -> str:
        return f"{self.lea.name} · {self.cycle.name}"

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.ACCEPTED


class Answer(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="answers")
    rating = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    dont_know = models.BooleanField("don't know", default=False)
    evidence = models.TextField(blank=True, max_length=EVIDENCE_MAX_LENGTH)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator__position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "indicator"], name="one_answer_each"),
            models.CheckConstraint(
                name="answer_rating_in_rubric",
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=4),
            ),
            models.CheckConstraint(
                name="answer_rating_or_dont_know",
                condition=~models.Q(rating__isnull=False, dont_know=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.rating or ('?' if self.dont_know else '-')}"

    @property
    def is_answered(self) -> bool:
        return self.rating is not None or self.dont_know


class Comment(models.Model):
    """A reviewer's or district leader's comment, on the assessment or one indicator."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="comments")
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    author = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField(max_length=EVIDENCE_MAX_LENGTH)
    is_return_note = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Comment on {self.assessment_id} by {self.author_id}"


class ImportJob(models.Model):
    """An uploaded NCES CCD file: previewed first, then imported by a Celery worker."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Previewed"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    # The USPS codes this upload may touch (a state administrator's own state), empty = any.
    allowed_states = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    preview = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=1000, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import of {self.original_name} ({self.get_status_display()})"
