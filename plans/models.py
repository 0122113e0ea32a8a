"""An LEA's improvement plan for a cycle: priority gaps as objectives, their tasks, the
tasks' dated progress notes, and the state's coaching comments on each objective.

Rows that people edit from two places at once (the plan, its objectives and tasks) carry
a version and are changed with a conditional UPDATE (see plans/services.py)."""

from django.conf import settings
from django.db import models

from assessments.models import AssessmentCycle
from directory.models import LEA
from frameworks.models import Indicator

TEXT_MAX_LENGTH = 2000


class Plan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for review"
        REVIEWED = "reviewed", "Reviewed"

    lea = models.ForeignKey(LEA, on_delete=models.PROTECT, related_name="plans")
    cycle = models.ForeignKey(AssessmentCycle, on_delete=models.PROTECT, related_name="plans")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Any change to the plan or anything in it: the state view's "last activity".
    last_activity_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["lea__name"]
        constraints = [
            models.UniqueConstraint(fields=["lea", "cycle"], name="one_plan_per_lea_cycle")
        ]
        indexes = [models.Index(fields=["cycle", "status"])]

    def __str__(self) -> str:
        return f"Plan of {self.lea_id} for cycle {self.cycle_id}"


class Objective(models.Model):
    """One priority gap of the plan, and what will be true about it, by when."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="objectives")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    statement = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    target_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["indicator__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "indicator"], name="one_objective_per_plan_indicator"
            )
        ]

    def __str__(self) -> str:
        return f"Objective on {self.indicator_id} in plan {self.plan_id}"


class Task(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        STUCK = "stuck", "Stuck"

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="tasks")
    description = models.TextField(max_length=TEXT_MAX_LENGTH)
    owner_name = models.CharField("owner", max_length=200)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plan_tasks",
    )
    starts_on = models.DateField()
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                name="task_due_after_start", condition=models.Q(due_on__gte=models.F("starts_on"))
            ),
            models.CheckConstraint(name="task_has_owner", condition=~models.Q(owner_name="")),
        ]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return self.description[:60]

    def is_overdue(self, today) -> bool:
        return self.status != self.Status.DONE and self.due_on < today


class ProgressNote(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="notes")
    noted_on = models.DateField()
    body = models.TextField(max_length=TEXT_MAX_LENGTH)
    evidence = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["noted_on", "pk"]

    def __str__(self) -> str:
        return f"Note on task {self.task_id}, {self.noted_on}"


class CoachingComment(models.Model):
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(max_length=TEXT_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Comment on objective {self.objective_id}"
