from django.contrib.auth.models import AbstractUser
from django.db import models

from directory.models import LEA, State


class Role(models.TextChoices):
    NATIONAL_ADMIN = "national_admin", "National administrator"
    STATE_ADMIN = "state_admin", "State administrator"
    STATE_STAFF = "state_staff", "State staff"
    DISTRICT_LEADER = "district_leader", "District leader"
    TASK_FORCE = "task_force", "Task force member"


class NotificationKind(models.TextChoices):
    """The emails the portal sends; each person can turn each kind off (all on at first)."""

    ASSIGNED = "assigned", "An LEA's needs assessment is assigned to me"
    SUBMITTED = "submitted", "An assessment I review is submitted"
    RETURNED = "returned", "An assessment of mine is returned with comments"
    ACCEPTED = "accepted", "An assessment of mine or of my LEA is accepted"
    REPORT_READY = "report_ready", "A readiness PDF I asked for is ready"
    DUE_SOON = "due_soon", "An assessment of mine is due in a week"
    OVERDUE = "overdue", "An assessment of mine is overdue"


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
    # The kinds of email (NotificationKind values) this person has turned off.
    notifications_off = models.JSONField(default=list, blank=True)

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

    def wants_email(self, kind: str) -> bool:
        return bool(self.email) and self.is_active and kind not in (self.notifications_off or [])

    @property
    def is_national_admin(self) -> bool:
        return self.role == Role.NATIONAL_ADMIN
