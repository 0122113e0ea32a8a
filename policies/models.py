from django.db import models
from simple_history.models import HistoricalRecords

from readiness.models import AssessmentCycle, Lever, State, User


class PolicyStatus(models.TextChoices):
    NONE = "none", "None"
    EXPLORING = "exploring", "Exploring"
    ENACTED = "enacted", "Enacted"
    STATEWIDE = "statewide", "Statewide"


ACTIVE_STATUSES = (PolicyStatus.ENACTED, PolicyStatus.STATEWIDE)


class StatePolicyProfile(models.Model):
    """The state's position on the nine levers, for one assessment cycle."""

    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="policy_profiles")
    cycle = models.ForeignKey(
        AssessmentCycle, on_delete=models.PROTECT, related_name="policy_profiles"
    )
    stage = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["state", "cycle"], name="one_profile_per_state_cycle")
        ]

    def __str__(self) -> str:
        return f"{self.state.code} {self.cycle.name} policy profile"


class LeverStatus(models.Model):
    profile = models.ForeignKey(
        StatePolicyProfile, on_delete=models.CASCADE, related_name="lever_statuses"
    )
    lever = models.ForeignKey(Lever, on_delete=models.PROTECT, related_name="statuses")
    status = models.CharField(
        max_length=10, choices=PolicyStatus.choices, default=PolicyStatus.NONE
    )
    citation = models.CharField(max_length=300, blank=True)
    note = models.TextField(max_length=2000, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["lever__position"]
        verbose_name_plural = "lever statuses"
        constraints = [
            models.UniqueConstraint(fields=["profile", "lever"], name="one_status_per_lever")
        ]

    def __str__(self) -> str:
        return f"{self.lever.code}: {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES
