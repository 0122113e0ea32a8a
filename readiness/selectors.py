"""Who may see what: the ONE place that scopes querysets by user.

Every page, API endpoint, export and download asks these functions for its
rows; no view filters by role itself. A user sees:

- national admin: everything;
- state administrator, state staff, task force member: their own state;
- district leader: their own LEA (and the state and cycles around it).

Anyone else (anonymous, inactive, a role without its state or LEA) sees nothing.
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import LEA, Assessment, AssessmentCycle, Role, State, User


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    state_id: int | None = None
    lea_id: int | None = None

    @property
    def nothing(self) -> bool:
        return not self.everything and self.state_id is None


NOTHING = Scope()


def scope_for_user(user: User) -> Scope:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if user.role == Role.NATIONAL_ADMIN:
        return Scope(everything=True)
    if user.role == Role.DISTRICT_LEADER:
        if user.lea_id is None:
            return NOTHING
        # lea.state_id is fetched once per request and cached on the user object.
        return Scope(state_id=user.lea.state_id, lea_id=user.lea_id)
    if user.role in (Role.STATE_ADMIN, Role.STATE_STAFF, Role.TASK_FORCE) and user.state_id:
        return Scope(state_id=user.state_id)
    return NOTHING


def _scoped(qs: QuerySet, scope: Scope, *, state_path: str, lea_path: str | None) -> QuerySet:
    if scope.everything:
        return qs
    if scope.nothing:
        return qs.none()
    qs = qs.filter(**{state_path: scope.state_id})
    if scope.lea_id is not None:
        if lea_path is None:
            return qs
        qs = qs.filter(**{lea_path: scope.lea_id})
    return qs


def state_list_for_user(*, user: User) -> QuerySet[State]:
    return _scoped(State.objects.all(), scope_for_user(user), state_path="id", lea_path=None)


def lea_list_for_user(*, user: User) -> QuerySet[LEA]:
    return _scoped(
        LEA.objects.select_related("state"),
        scope_for_user(user),
        state_path="state_id",
        lea_path="id",
    )


def cycle_list_for_user(*, user: User) -> QuerySet[AssessmentCycle]:
    return _scoped(
        AssessmentCycle.objects.select_related("state", "framework"),
        scope_for_user(user),
        state_path="state_id",
        lea_path=None,
    )


def assessment_list_for_user(*, user: User) -> QuerySet[Assessment]:
    return _scoped(
        Assessment.objects.select_related("lea", "cycle", "cycle__state"),
        scope_for_user(user),
        state_path="lea__state_id",
        lea_path="lea_id",
    )


def policy_profile_list_for_user(*, user: User) -> QuerySet:
    from policies.models import StatePolicyProfile

    return _scoped(
        StatePolicyProfile.objects.select_related("state", "cycle"),
        scope_for_user(user),
        state_path="state_id",
        lea_path=None,
    )


def report_job_list_for_user(*, user: User) -> QuerySet:
    """A district leader sees only their LEA's reports, never the statewide one."""
    from reports.models import ReportJob

    return _scoped(
        ReportJob.objects.select_related("state", "lea", "cycle"),
        scope_for_user(user),
        state_path="state_id",
        lea_path="lea_id",
    )


def lea_get_for_user(*, user: User, leaid: str) -> LEA:
    """The LEA, or 404 when it does not exist or the user may not see it."""
    return get_object_or_404(lea_list_for_user(user=user), leaid=leaid)


def state_get_for_user(*, user: User, code: str) -> State:
    return get_object_or_404(state_list_for_user(user=user), code=code.upper())


# What a user may change. Seeing comes first: these are only asked about rows the
# user can already see through the functions above.


def user_can_edit_policy(*, user: User, state: State) -> bool:
    scope = scope_for_user(user)
    if scope.everything:
        return True
    return user.role == Role.STATE_ADMIN and scope.state_id == state.id


def user_can_answer(*, user: User, assessment: Assessment) -> bool:
    scope = scope_for_user(user)
    if assessment.is_locked or assessment.status == Assessment.Status.SUBMITTED:
        return False
    if scope.everything:
        return True
    return (
        user.role in (Role.STATE_STAFF, Role.STATE_ADMIN)
        and scope.state_id == assessment.lea.state_id
    )


def user_can_review(*, user: User, assessment: Assessment) -> bool:
    scope = scope_for_user(user)
    if assessment.status != Assessment.Status.SUBMITTED:
        return False
    if scope.everything:
        return True
    return user.role == Role.STATE_ADMIN and scope.state_id == assessment.lea.state_id


def user_can_manage_state(*, user: User, state: State) -> bool:
    """Open cycles, import LEAs, queue batches of reports."""
    scope = scope_for_user(user)
    return scope.everything or (user.role == Role.STATE_ADMIN and scope.state_id == state.id)


def lea_list_with_progress(*, user: User, filters: dict | None = None) -> QuerySet[LEA]:
    """LEAs the user may see, each with its current assessment's status and progress.

    "Current" is the assessment in the LEA's latest open cycle. One query, whatever
    the number of LEAs.
    """
    from django.db.models import OuterRef, Q, Subquery

    filters = filters or {}
    current = Assessment.objects.filter(lea=OuterRef("pk"), cycle__is_open=True).order_by(
        "-cycle__starts_on"
    )
    qs = lea_list_for_user(user=user).annotate(
        assessment_id=Subquery(current.values("id")[:1]),
        assessment_status=Subquery(current.values("status")[:1]),
        answered=Subquery(current.values("answered_count")[:1]),
        cycle_name=Subquery(current.values("cycle__name")[:1]),
    )
    if q := filters.get("q"):
        qs = qs.filter(Q(name__icontains=q) | Q(leaid__startswith=q))
    if locale := filters.get("locale"):
        qs = qs.filter(locale=locale)
    if status := filters.get("status"):
        qs = (
            qs.filter(assessment_status__isnull=True)
            if status == "none"
            else qs.filter(assessment_status=status)
        )
    return qs.order_by("state__name", "name")
