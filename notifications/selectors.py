"""Reads for the emails: who is told of an event, and what each person's digest lists.

These run in workers on ids handed over by cbe_portal.notices, for people the portal
itself chooses (never for a request's user), so they do not go through access.selectors;
each recipient is chosen by the same rule the scoping module applies to them (a state's
administrators review its assessments; a district leader sees their own LEA)."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import QuerySet

from accounts.models import Role, User
from assessments.models import Assessment, Comment
from reports.models import ReportJob

DUE_SOON_DAYS = 7
# Assessments still waiting on their assignee; submitted and accepted ones are not late.
OPEN_STATUSES = (Assessment.Status.DRAFT, Assessment.Status.RETURNED)


def assessment_for_notice(*, assessment_id: int) -> Assessment:
    return Assessment.objects.select_related("lea__state", "cycle", "assignee").get(
        pk=assessment_id
    )


def assessments_for_notice(*, assessment_ids: list[int]) -> list[Assessment]:
    return list(
        Assessment.objects.filter(pk__in=assessment_ids)
        .select_related("lea__state", "cycle")
        .order_by("lea__name", "pk")
    )


def reviewers_for_state(*, state_id: int) -> QuerySet[User]:
    """The people who review a state's assessments: its state administrators."""
    return User.objects.filter(role=Role.STATE_ADMIN, state_id=state_id, is_active=True)


def district_leaders_for_lea(*, lea_id: int) -> QuerySet[User]:
    return User.objects.filter(role=Role.DISTRICT_LEADER, lea_id=lea_id, is_active=True)


def return_notes(*, assessment: Assessment) -> list[Comment]:
    """The notes of the latest return: written after the submission they answer."""
    notes = Comment.objects.filter(assessment=assessment, is_return_note=True)
    if assessment.submitted_at is not None:
        notes = notes.filter(created_at__gte=assessment.submitted_at)
    return list(notes.select_related("indicator").order_by("indicator__position", "pk"))


def report_job_for_notice(*, job_id: int) -> ReportJob:
    return ReportJob.objects.select_related("lea", "state", "cycle", "requested_by").get(pk=job_id)


@dataclass
class Digest:
    """One person's daily reminder: their assessments due in a week, and those overdue."""

    user: User
    due_soon: list[Assessment] = field(default_factory=list)
    overdue: list[Assessment] = field(default_factory=list)


def digests_for_day(*, today: date) -> list[Digest]:
    """Every assignee with an assessment due exactly a week from `today` or overdue
    (due before `today`, still draft or returned), in one query, grouped by person."""
    due_soon_on = today + timedelta(days=DUE_SOON_DAYS)
    rows = (
        Assessment.objects.filter(
            status__in=OPEN_STATUSES,
            assignee__isnull=False,
            assignee__is_active=True,
            cycle__is_open=True,
            cycle__closed_at__isnull=True,
            cycle__assessments_due_on__isnull=False,
        )
        .filter(cycle__assessments_due_on__lte=due_soon_on)
        .exclude(cycle__assessments_due_on__gte=today, cycle__assessments_due_on__lt=due_soon_on)
        .select_related("lea__state", "cycle", "assignee")
        .order_by("assignee_id", "cycle__assessments_due_on", "lea__name", "pk")
    )
    digests: dict[int, Digest] = {}
    for assessment in rows:
        assignee = assessment.assignee
        assert assignee is not None  # filtered above
        digest = digests.setdefault(assignee.pk, Digest(user=assignee))
        due_on = assessment.cycle.assessments_due_on
        assert due_on is not None  # filtered above
        (digest.overdue if due_on < today else digest.due_soon).append(assessment)
    return list(digests.values())
