from django.contrib.auth.models import AbstractUser
from django.db import models

from directory.models import LEA, State


class Role(models.TextChoices):
    NATIONAL_ADMIN = "national_admin", "National administrator"
    STATE_ADMIN = "state_admin", "State administrator"
    STATE_STAFF = "state_staff", "State staff"
    DISTRICT_LEADER = "district_leader", "District leader"
    TASK_FORCE = "task_force", "Task force member"


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
