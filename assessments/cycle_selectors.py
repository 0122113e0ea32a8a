"""Reads of a running cycle: its counts and each staff member's workload.

Callers pass a cycle they looked up through `access.selectors` (for the workload,
`managed_cycle_list_for_user`)."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q

from access import selectors as scoping
from accounts.models import User
from directory.models import LEA

from .models import Assessment, AssessmentCycle

EDITABLE = scoping.ASSESSMENT_EDITABLE_STATUSES
DONE = (Assessment.Status.SUBMITTED, Assessment.Status.ACCEPTED)


@dataclass(frozen=True)
class WorkloadRow:
    """One person's share of a cycle (user None: the LEAs nobody is assigned yet)."""

    user_id: int | None
    name: str
    username: str
    assigned: int = 0
    not_started: int = 0
    in_progress: int = 0
    submitted: int = 0
    accepted: int = 0
    overdue: int = 0


def cycle_is_overdue(*, cycle: AssessmentCycle, today: date) -> bool:
    return cycle.assessments_due_on is not None and today > cycle.assessments_due_on


def _counts(cycle: AssessmentCycle, today: date) -> dict:
    overdue = Count("id", filter=Q(status__in=EDITABLE, cycle__assessments_due_on__lt=today))
    return {
        "assigned": Count("id"),
        "not_started": Count("id", filter=Q(status__in=EDITABLE, answered_count=0)),
        "in_progress": Count("id", filter=Q(status__in=EDITABLE, answered_count__gt=0)),
        "submitted": Count("id", filter=Q(status=Assessment.Status.SUBMITTED)),
        "accepted": Count("id", filter=Q(status=Assessment.Status.ACCEPTED)),
        "overdue": overdue,
    }


def cycle_workload(*, cycle: AssessmentCycle, today: date) -> list[WorkloadRow]:
    """Every staff member and administrator of the cycle's state (and anyone else who
    holds some of its LEAs), with how many of the cycle's assessments they hold in each
    state of work, then a row for the unassigned ones. "Overdue": past the cycle's due
    date for assessments and neither submitted nor accepted.

    Two queries whatever the number of LEAs and people: the counts, grouped in SQL, and
    the people."""
    counts: dict[int | None, dict[str, int]] = {}
    for row in (
        Assessment.objects.filter(cycle=cycle)
        .order_by()
        .values("assignee_id")
        .annotate(**_counts(cycle, today))
    ):
        values: dict = dict(row)
        counts[values.pop("assignee_id")] = values
    people = User.objects.filter(
        Q(is_active=True, role__in=scoping.ASSIGNEE_ROLES, state_id=cycle.state_id)
        | Q(pk__in=[pk for pk in counts if pk is not None])
    ).order_by("last_name", "first_name", "username")
    rows = [
        WorkloadRow(
            user_id=person.pk,
            name=person.get_full_name() or person.username,
            username=person.username,
            **counts.get(person.pk, {}),
        )
        for person in people
    ]
    rows.append(WorkloadRow(user_id=None, name="Not assigned", username="", **counts.get(None, {})))
    return rows


@dataclass(frozen=True)
class CycleSummary:
    cycle: AssessmentCycle
    total: int
    assigned: int
    submitted: int
    accepted: int


def cycle_summaries(*, cycles) -> list[CycleSummary]:
    """Counts of each cycle's assessments (one query for all the cycles)."""
    cycles = list(cycles)
    rows = {
        row["cycle_id"]: row
        for row in Assessment.objects.filter(cycle__in=[c.pk for c in cycles])
        .order_by()
        .values("cycle_id")
        .annotate(
            total=Count("id"),
            assigned=Count("id", filter=Q(assignee__isnull=False)),
            submitted=Count("id", filter=Q(status=Assessment.Status.SUBMITTED)),
            accepted=Count("id", filter=Q(status=Assessment.Status.ACCEPTED)),
        )
    }
    empty = {"total": 0, "assigned": 0, "submitted": 0, "accepted": 0}
    summaries = []
    for c in cycles:
        row = rows.get(c.pk, empty)
        summaries.append(
            CycleSummary(
                cycle=c,
                total=row["total"],
                assigned=row["assigned"],
                submitted=row["submitted"],
                accepted=row["accepted"],
            )
        )
    return summaries


def agency_types_of(*, states) -> list[str]:
    """The NCES agency types of the operational LEAs of these states (one query)."""
    from .cycle_services import OPERATIONAL_STATUSES

    return list(
        LEA.objects.filter(state__in=states, status__in=OPERATIONAL_STATUSES)
        .exclude(agency_type="")
        .order_by("agency_type")
        .values_list("agency_type", flat=True)
        .distinct()
    )
