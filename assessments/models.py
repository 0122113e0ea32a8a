"""Assessment cycles, an LEA's assessment in a cycle, its answers and comments."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from directory.models import LEA, State
from frameworks.models import FrameworkVersion, Indicator

EVIDENCE_MAX_LENGTH = 4000

# The tables keep the names they had when these models lived in the `readiness` app
# (see assessments/migrations/0001_initial.py): moving a model must not move its rows.


class AssessmentCycle(models.Model):
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="cycles")
    name = models.CharField(max_length=40, help_text="For example 2026-27.")
    starts_on = models.DateField()
    ends_on = models.DateField()
    framework = models.ForeignKey(FrameworkVersion, on_delete=models.PROTECT, related_name="cycles")
    is_open = models.BooleanField(default=True)
    # Set when the cycle is opened through its set-up page or API; older cycles have none.
    assessments_due_on = models.DateField("assessments due", null=True, blank=True)
    reviews_due_on = models.DateField("reviews due", null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "readiness_assessmentcycle"
        ordering = ["state", "-starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["state", "name"], name="cycle_name_per_state"),
            models.CheckConstraint(
                name="cycle_ends_after_start",
                condition=models.Q(ends_on__gte=models.F("starts_on")),
            ),
            models.CheckConstraint(
                name="cycle_reviews_due_after_assessments",
                condition=models.Q(assessments_due_on__isnull=True)
                | models.Q(reviews_due_on__isnull=True)
                | models.Q(reviews_due_on__gte=models.F("assessments_due_on")),
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
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assignments",
    )
    version = models.PositiveIntegerField(default=1)
    answered_count = models.PositiveSmallIntegerField(default=0)
    # Scores are derived data: stored with the framework version that produced them.
    scores = models.JSONField(default=dict, blank=True)
    overall_score = models.FloatField(null=True, blank=True)
    stage = models.CharField(max_length=30, blank=True)
    # The indicators rated as gaps, in framework order (assessments.scoring.ScoreResult.gaps),
    # stored beside the scores so the state's lever counts never re-read the answers.
    gap_codes = models.JSONField(default=list, blank=True)
    scored_with = models.ForeignKey(
        FrameworkVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(
        excluded_fields=["scores", "updated_at", "answered_count", "gap_codes"],
        table_name="readiness_historicalassessment",
    )

    class Meta:
        db_table = "readiness_assessment"
        ordering = ["lea__name"]
        constraints = [
            models.UniqueConstraint(fields=["lea", "cycle"], name="one_assessment_per_lea_cycle")
        ]
        indexes = [
            # Ends with the LEA so that counting the LEAs of some cycles by status (the LEA
            # list under a status filter) reads the index alone.
            models.Index(fields=["cycle", "status", "lea"], name="assessment_cycle_status_lea"),
            # What a cycle summary's stamp reads (assessments.summaries), from the index alone.
            models.Index(fields=["cycle", "version", "updated_at"], name="assessment_cycle_stamp"),
        ]

    def __str__(self) -> str:
        return f"{self.lea.name} · {self.cycle.name}"

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.ACCEPTED


# The assessments every comparison rests on: the state and locale medians and means on the
# LEA results page, the PDFs, the dashboards and the national view. A submitted assessment
# is complete and an accepted one reviewed; a draft is unfinished and a returned one is
# being corrected, so their scores may still change and would move every other LEA's
# comparison with them.
COMPARED_STATUSES = (Assessment.Status.SUBMITTED, Assessment.Status.ACCEPTED)


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
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(table_name="readiness_historicalanswer")

    class Meta:
        db_table = "readiness_answer"
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
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(max_length=EVIDENCE_MAX_LENGTH)
    is_return_note = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "readiness_comment"
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Comment on {self.assessment_id} by {self.author_id}"


class DistrictRating(models.Model):
    """The district's own view of one indicator, given by its district leader beside the
    state's rating. It is never scored: the state's answers alone make the official
    score; where the two differ widely, the review page, the results page and the PDF
    show both."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="district_ratings"
    )
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    note = models.TextField(blank=True, max_length=EVIDENCE_MAX_LENGTH)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "indicator"], name="one_district_rating_each"
            ),
            models.CheckConstraint(
                name="district_rating_level_in_rubric",
                condition=models.Q(level__gte=1, level__lte=4),
            ),
        ]

    def __str__(self) -> str:
        return f"District view of {self.indicator_id}: {self.level}"


class CycleScoreSummary(models.Model):
    """The figures of one cycle (one state's cycle) that comparisons and dashboards rest on,
    kept as counts so no page re-reads every LEA's scores: LEAs per (locale, size band,
    assessment status, stage), and the compared assessments' scores per (locale, size band,
    status, column, score). Built from the assessments' stored scores by
    `assessments.summaries`; `stamp` names the rows it was built from, so a summary older
    than its rows is never used (it is rebuilt first)."""

    cycle = models.OneToOneField(
        AssessmentCycle, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    stamp = models.CharField(max_length=200)
    doc = models.JSONField(default=dict)
    built_at = models.DateTimeField()

    class Meta:
        db_table = "assessments_cyclescoresummary"

    def __str__(self) -> str:
        return f"Score summary of cycle {self.cycle_id}"
