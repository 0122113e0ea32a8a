"""Who may see what: the ONE place that scopes querysets by user.

Every page, API endpoint, export and download asks these functions for its
rows; no view filters by role itself. A user sees:

- national admin: everything;
- state administrator, state staff, task force member: their own state;
- district leader: their own LEA (and the state and cycles around it).

Anyone else (anonymous, inactive, a role without its state or LEA) sees nothing.
"""

from dataclasses import dataclass
from typing import cast

from django.db import models
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import Role, User
from assessments.models import Assessment, AssessmentCycle, DistrictRating
from audit.models import AccessEvent
from directory.models import LEA, ImportJob, State
from frameworks.models import FrameworkVersion
from plans.models import Objective, Plan, Task
from policies.models import StatePolicyProfile
from reports.models import ReportBatch, ReportBatchZip, ReportJob


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
        return Scope(state_id=cast(LEA, user.lea).state_id, lea_id=user.lea_id)
    if user.role in (Role.STATE_ADMIN, Role.STATE_STAFF, Role.TASK_FORCE) and user.state_id:
        return Scope(state_id=user.state_id)
    return NOTHING


def standing_for_user(user: User) -> tuple[str, Scope]:
    """What this module lets a user see and do on a state's or the nation's pages rests on
    their role and their scope: two users of the same standing are let in on the same
    dashboards, so a dashboard kept for one may be served to the other."""
    scope = scope_for_user(user)
    return ("" if scope.nothing else user.role, scope)


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


def framework_version_list_for_user(*, user: User) -> QuerySet[FrameworkVersion]:
    """Framework versions are the same for every state: anyone signed in may read them."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return FrameworkVersion.objects.none()
    return FrameworkVersion.objects.all()


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


def policy_profile_list_for_user(*, user: User) -> QuerySet[StatePolicyProfile]:
    return _scoped(
        StatePolicyProfile.objects.select_related("state", "cycle"),
        scope_for_user(user),
        state_path="state_id",
        lea_path=None,
    )


def report_job_list_for_user(*, user: User) -> QuerySet[ReportJob]:
    """A district leader sees only their LEA's reports, never the statewide one. A plan's
    PDF is seen by those who may read the plan (not task force members)."""
    scope = scope_for_user(user)
    jobs = _scoped(
        ReportJob.objects.select_related("state", "lea", "cycle"),
        scope,
        state_path="state_id",
        lea_path="lea_id",
    )
    if not scope.everything and not scope.nothing and user.role not in PLAN_READER_ROLES:
        jobs = jobs.exclude(kind=ReportJob.Kind.PLAN)
    return jobs


def assessment_get_for_lea_cycle(*, user: User, leaid: str, cycle_id: int) -> Assessment:
    """The LEA's assessment in the cycle (with its framework and state), or 404 when there
    is none or the user may not see it: the one lookup behind an LEA's results page,
    results API and alignment API."""
    return get_object_or_404(
        assessment_list_for_user(user=user).select_related("cycle__framework", "lea__state"),
        lea__leaid=leaid,
        # Through the cycle's own key: a number too large for the database is then no
        # match, where a lookup on the foreign key column crashes on SQLite.
        cycle__pk=cycle_id,
    )


def lea_get_for_user(*, user: User, leaid: str) -> LEA:
    """The LEA, or 404 when it does not exist or the user may not see it."""
    return get_object_or_404(lea_list_for_user(user=user), leaid=leaid)


def state_get_for_user(*, user: User, code: str) -> State:
    return get_object_or_404(state_list_for_user(user=user), code=code.upper())


# Which sections of the site each role works in: the navigation offers a section only
# to these roles (None: everyone signed in). The pages themselves still scope every row
# through the functions above; this only decides what is worth offering.
ALL_STATE_ROLES = frozenset(
    {Role.NATIONAL_ADMIN, Role.STATE_ADMIN, Role.STATE_STAFF, Role.TASK_FORCE}
)
# The site's name in the header leads home; home sends each role to one of these sections,
# so the menu has no "Home" entry of its own that would duplicate it.
SECTION_ROLES: dict[str, frozenset[str] | None] = {
    "leas": ALL_STATE_ROLES,
    "my_district": frozenset({Role.DISTRICT_LEADER}),
    "my_results": frozenset({Role.DISTRICT_LEADER}),
    "cycles": frozenset({Role.NATIONAL_ADMIN, Role.STATE_ADMIN}),
    "policy": None,
    "dashboards": ALL_STATE_ROLES,
    "reports": None,
    "imports": frozenset({Role.NATIONAL_ADMIN, Role.STATE_ADMIN}),
    "scoring": None,
    "access_log": frozenset({Role.NATIONAL_ADMIN}),
}


def user_sections(*, user: User) -> frozenset[str]:
    """The sections (keys of SECTION_ROLES) the navigation offers this user."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(
        section for section, roles in SECTION_ROLES.items() if roles is None or user.role in roles
    )


def user_home_section(*, user: User) -> str:
    """Where the home page sends each role: the section it uses most."""
    if user.role == Role.DISTRICT_LEADER:
        return "my_district"
    if user.role == Role.TASK_FORCE:
        return "dashboards"
    return "leas"


# What a user may change. Seeing comes first: these are only asked about rows the
# user can already see through the functions above.

# Answers may change, and the assessment may be submitted, only in these statuses.
ASSESSMENT_EDITABLE_STATUSES = (Assessment.Status.DRAFT, Assessment.Status.RETURNED)


def user_can_edit_policy(*, user: User, state: State) -> bool:
    scope = scope_for_user(user)
    if scope.everything:
        return True
    return user.role == Role.STATE_ADMIN and scope.state_id == state.id


def user_can_simulate_policy(*, user: User, state: State) -> bool:
    """The what-if policy simulator: task force members and state administrators of the
    state, and national admins. It changes nothing, but it is a planning tool for those
    who shape the state's policy, not for staff or districts."""
    scope = scope_for_user(user)
    if scope.everything:
        return True
    return user.role in (Role.STATE_ADMIN, Role.TASK_FORCE) and scope.state_id == state.id


def assessment_in_open_cycle(assessment: Assessment) -> bool:
    """A closed cycle is locked: its assessments stay readable, nothing in them changes.
    (An assessment built only to ask these questions, without its cycle, counts as open.)"""
    if assessment.cycle_id is None and not Assessment.cycle.is_cached(assessment):
        return True
    return assessment.cycle.is_open


def user_can_answer(*, user: User, assessment: Assessment) -> bool:
    """State staff and administrators of the LEA's state (or a national admin) may change
    answers while the assessment is a draft or has been returned; never once submitted
    or accepted, nor once its cycle is closed."""
    if assessment.status not in ASSESSMENT_EDITABLE_STATUSES:
        return False
    if not assessment_in_open_cycle(assessment):
        return False
    scope = scope_for_user(user)
    if scope.everything:
        return True
    return (
        user.role in (Role.STATE_STAFF, Role.STATE_ADMIN)
        and scope.state_id == assessment.lea.state_id
    )


def user_can_review(*, user: User, assessment: Assessment) -> bool:
    """A state administrator of the LEA's state (or a national admin) accepts or returns a
    submitted assessment."""
    if assessment.status != Assessment.Status.SUBMITTED:
        return False
    if not assessment_in_open_cycle(assessment):
        return False
    scope = scope_for_user(user)
    if scope.everything:
        return True
    return user.role == Role.STATE_ADMIN and scope.state_id == assessment.lea.state_id


def user_can_manage_state(*, user: User, state: State) -> bool:
    """Open cycles, import LEAs, queue batches of reports."""
    scope = scope_for_user(user)
    return scope.everything or (user.role == Role.STATE_ADMIN and scope.state_id == state.id)


def user_can_manage_cycle(*, user: User, cycle: AssessmentCycle) -> bool:
    """Close a cycle, assign its LEAs to staff, read its workload: whoever manages the
    cycle's state."""
    scope = scope_for_user(user)
    return scope.everything or (user.role == Role.STATE_ADMIN and scope.state_id == cycle.state_id)


# Who may be given LEAs to assess: the state's staff and its administrators.
ASSIGNEE_ROLES = (Role.STATE_STAFF, Role.STATE_ADMIN)


def user_can_be_assigned(*, assignee: User, state_id: int) -> bool:
    return (
        assignee.is_active
        and assignee.role in ASSIGNEE_ROLES
        and assignee.state_id is not None
        and assignee.state_id == state_id
    )


def assignee_list_for_user(*, user: User) -> QuerySet[User]:
    """The people this user may assign LEAs to: the active staff and administrators of the
    states the user manages (none for anyone who manages no state)."""
    scope = scope_for_user(user)
    people = User.objects.filter(
        is_active=True, role__in=ASSIGNEE_ROLES, state__isnull=False
    ).select_related("state")
    if scope.everything:
        return people
    if user.role != Role.STATE_ADMIN or scope.state_id is None:
        return people.none()
    return people.filter(state_id=scope.state_id)


def managed_cycle_list_for_user(*, user: User) -> QuerySet[AssessmentCycle]:
    """Cycles whose LEAs this user may assign and close (`user_can_manage_cycle`)."""
    scope = scope_for_user(user)
    cycles = cycle_list_for_user(user=user)
    if scope.everything:
        return cycles
    if user.role != Role.STATE_ADMIN:
        return cycles.none()
    return cycles


def managed_state_list_for_user(*, user: User) -> QuerySet[State]:
    """States in which this user may open cycles (`user_can_manage_state`)."""
    scope = scope_for_user(user)
    if scope.everything:
        return State.objects.all()
    if user.role != Role.STATE_ADMIN or scope.state_id is None:
        return State.objects.none()
    return State.objects.filter(pk=scope.state_id)


def user_can_submit(*, user: User, assessment: Assessment) -> bool:
    """State staff of the LEA's state (or a national admin) submit a complete draft or a
    returned assessment for review."""
    if assessment.status not in ASSESSMENT_EDITABLE_STATUSES:
        return False
    if not assessment_in_open_cycle(assessment):
        return False
    scope = scope_for_user(user)
    if scope.everything:
        return True
    return user.role == Role.STATE_STAFF and scope.state_id == assessment.lea.state_id


def user_can_comment(*, user: User, assessment: Assessment) -> bool:
    """Staff and administrators of the state, and the LEA's own district leaders."""
    scope = scope_for_user(user)
    if scope.everything:
        return True
    if user.role == Role.DISTRICT_LEADER:
        return scope.lea_id == assessment.lea_id
    return (
        user.role in (Role.STATE_STAFF, Role.STATE_ADMIN)
        and scope.state_id == assessment.lea.state_id
    )


def user_can_start_assessment(*, user: User, lea: LEA, cycle: AssessmentCycle) -> bool:
    if not cycle.is_open or cycle.state_id != lea.state_id:
        return False
    scope = scope_for_user(user)
    if scope.everything:
        return True
    return user.role in (Role.STATE_STAFF, Role.STATE_ADMIN) and scope.state_id == lea.state_id


def assessment_get_for_user(*, user: User, pk: int) -> Assessment:
    """The assessment with its LEA, cycle and framework (content from the in-memory copy),
    or 404 when the user may not see it. One query."""
    qs = (
        assessment_list_for_user(user=user)
        .select_related("lea__state", "cycle__framework", "assignee")
        .defer("cycle__framework__content")
    )
    assessment = get_object_or_404(qs, pk=pk)
    # The typed framework is kept in memory per content hash (FrameworkVersion.spec), so
    # the 50 KB document is read from the database once per process, not per autosave.
    assessment.cycle.framework.spec  # noqa: B018 - built now, while one query is expected
    return assessment


def assessment_open_cycles_to_start(*, user: User, lea: LEA) -> list[AssessmentCycle]:
    """Open cycles of the LEA's state in which the LEA has no assessment yet and the user
    may start one."""
    cycles = (
        cycle_list_for_user(user=user)
        .filter(state_id=lea.state_id, is_open=True)
        .exclude(assessments__lea=lea)
        .order_by("-starts_on")
    )
    return [c for c in cycles if user_can_start_assessment(user=user, lea=lea, cycle=c)]


# The district's own view (DistrictRating): its LEA's district leaders write it until the
# assessment is accepted (the accepted assessment is the record, and the view given beside
# it stays as it was then); the state's administrators and staff and national admins read
# it. Task force members work with the state's aggregates, never one district's raw view.
DISTRICT_VIEW_READERS = (Role.STATE_ADMIN, Role.STATE_STAFF, Role.DISTRICT_LEADER)


def district_rating_list_for_user(*, user: User) -> QuerySet[DistrictRating]:
    scope = scope_for_user(user)
    qs = DistrictRating.objects.select_related("assessment", "indicator", "updated_by")
    if not scope.everything and user.role not in DISTRICT_VIEW_READERS:
        return qs.none()
    return _scoped(qs, scope, state_path="assessment__lea__state_id", lea_path="assessment__lea_id")


def user_can_see_district_view(*, user: User, assessment: Assessment) -> bool:
    """Whether the user may read the district's ratings of this assessment (one they can
    already see)."""
    scope = scope_for_user(user)
    if scope.everything:
        return True
    if user.role == Role.DISTRICT_LEADER:
        return scope.lea_id == assessment.lea_id
    return user.role in DISTRICT_VIEW_READERS and scope.state_id == assessment.lea.state_id


def user_can_rate_as_district(*, user: User, assessment: Assessment) -> bool:
    """The LEA's own district leaders, until the assessment is accepted."""
    if assessment.status == Assessment.Status.ACCEPTED:
        return False
    scope = scope_for_user(user)
    return user.role == Role.DISTRICT_LEADER and scope.lea_id == assessment.lea_id


def assessment_get_for_district_view(*, user: User, pk: int) -> Assessment:
    """`assessment_get_for_user`, and 404 as well when the user may see the assessment but
    not the district's view of it (a task force member)."""
    assessment = assessment_get_for_user(user=user, pk=pk)
    if not user_can_see_district_view(user=user, assessment=assessment):
        raise Http404("No district view you may read.")
    return assessment


def user_can_see_state_aggregates(*, user: User, state: State) -> bool:
    """State dashboards, statewide reports and per-LEA comparisons across the state.

    District leaders are left out: a state view lists other LEAs by name.
    """
    scope = scope_for_user(user)
    if scope.everything:
        return True
    return (
        user.role in (Role.STATE_ADMIN, Role.STATE_STAFF, Role.TASK_FORCE)
        and scope.state_id == state.id
    )


# Improvement plans. A plan is the LEA's own working document: its district leaders write
# it, the state's staff and administrators read, coach and review it. Task force members
# see plans only in aggregate (the state dashboard's counts), never one LEA's plan.

PLAN_READER_ROLES = (Role.STATE_ADMIN, Role.STATE_STAFF, Role.DISTRICT_LEADER)
PLAN_COACH_ROLES = (Role.STATE_ADMIN, Role.STATE_STAFF)


def plan_list_for_user(*, user: User) -> QuerySet[Plan]:
    scope = scope_for_user(user)
    qs = Plan.objects.select_related("lea__state", "cycle")
    if scope.nothing or (not scope.everything and user.role not in PLAN_READER_ROLES):
        return qs.none()
    return _scoped(qs, scope, state_path="lea__state_id", lea_path="lea_id")


def plan_get_for_lea_cycle(*, user: User, leaid: str, cycle_id: int) -> Plan:
    """The LEA's plan for the cycle, or 404 when there is none or the user may not see it."""
    return get_object_or_404(plan_list_for_user(user=user), lea__leaid=leaid, cycle__pk=cycle_id)


def objective_get_for_user(*, user: User, plan: Plan, pk: int) -> Objective:
    """An objective of the plan (itself looked up through plan_list_for_user), or 404."""
    return get_object_or_404(
        Objective.objects.select_related("indicator", "plan__lea"), plan_id=plan.pk, pk=pk
    )


def task_get_for_user(*, user: User, plan: Plan, pk: int) -> Task:
    """A task of the plan (itself looked up through plan_list_for_user), or 404."""
    return get_object_or_404(
        Task.objects.select_related("objective__plan__lea", "objective__indicator"),
        objective__plan_id=plan.pk,
        pk=pk,
    )


def plan_owner_candidates(*, lea: LEA) -> QuerySet[User]:
    """Portal users who may own a task of the LEA's plan: those who can see it (its
    district leaders and the state's staff and administrators)."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            models.Q(role=Role.DISTRICT_LEADER, lea_id=lea.pk)
            | models.Q(role__in=PLAN_COACH_ROLES, state_id=lea.state_id)
        )
        .order_by("last_name", "first_name", "username")
    )


def user_can_see_plans(*, user: User, lea: LEA) -> bool:
    """Whether the user may open the LEA's plan pages (the plan itself may not exist yet)."""
    scope = scope_for_user(user)
    if scope.everything:
        return True
    if user.role == Role.DISTRICT_LEADER:
        return scope.lea_id == lea.pk
    return user.role in PLAN_COACH_ROLES and scope.state_id == lea.state_id


def user_can_set_priorities(*, user: User, lea: LEA) -> bool:
    """The LEA's district leaders, and the state's staff and administrators who work with
    it, mark its gaps as priorities."""
    return user_can_see_plans(user=user, lea=lea)


def user_can_edit_plan(*, user: User, lea: LEA) -> bool:
    """Objectives, tasks and progress notes: the LEA's own district leaders (and a
    national admin)."""
    scope = scope_for_user(user)
    if scope.everything:
        return True
    return user.role == Role.DISTRICT_LEADER and scope.lea_id == lea.pk


def user_can_coach_plan(*, user: User, lea: LEA) -> bool:
    """Coaching comments and marking a plan reviewed: the state's staff and administrators."""
    scope = scope_for_user(user)
    if scope.everything:
        return True
    return user.role in PLAN_COACH_ROLES and scope.state_id == lea.state_id


def user_can_see_state_plans(*, user: User, state: State) -> bool:
    """The state view of plans, LEA by LEA: the state's staff and administrators."""
    scope = scope_for_user(user)
    if scope.everything:
        return True
    return user.role in PLAN_COACH_ROLES and scope.state_id == state.id


# Statewide reports, report batches and LEA imports.

REPORT_ROLES = (Role.NATIONAL_ADMIN, Role.STATE_ADMIN, Role.TASK_FORCE)


def user_can_request_state_report(*, user: User, state: State) -> bool:
    """Task force members, state administrators (their state) and national admins.
    District leaders and state staff never."""
    scope = scope_for_user(user)
    if scope.everything:
        return True
    return user.role in REPORT_ROLES and scope.state_id == state.id and scope.lea_id is None


# Who may watch a state's batches and download them as one zip: those who work on the
# state's LEAs (its administrators and staff). Task forces read the statewide report
# instead; district leaders see their own LEA only.
BATCH_ROLES = (Role.STATE_ADMIN, Role.STATE_STAFF)


def batch_list_for_user(*, user: User) -> QuerySet[ReportBatch]:
    """Batches the user may watch and download: every batch of the user's state for its
    administrators and staff; every batch for a national admin."""
    scope = scope_for_user(user)
    qs = ReportBatch.objects.select_related("state", "cycle")
    if scope.everything:
        return qs
    if user.role not in BATCH_ROLES or scope.state_id is None or scope.lea_id is not None:
        return qs.none()
    return qs.filter(state_id=scope.state_id)


def batch_zip_list_for_user(*, user: User) -> QuerySet[ReportBatchZip]:
    """Zips of the batches the user may watch (`batch_list_for_user`)."""
    return ReportBatchZip.objects.select_related("batch__state", "batch__cycle").filter(
        batch__in=batch_list_for_user(user=user)
    )


def batch_job_list_for_user(*, user: User, batch) -> QuerySet:
    """The reports of a batch, as far as the user may see them."""
    return report_job_list_for_user(user=user).filter(batch_id=batch.pk)


def user_can_retry_report(*, user: User, job) -> bool:
    """A failed report may be queued again by whoever may ask for it: for an LEA's report
    anyone who can see it (the caller looked it up through report_job_list_for_user), for
    a statewide report only those who may request one."""
    if job.status != ReportJob.Status.FAILED:
        return False
    if job.kind == ReportJob.Kind.STATE:
        return user_can_request_state_report(user=user, state=job.state)
    return True


@dataclass(frozen=True)
class ImportRights:
    may_import: bool
    states: frozenset[str] | None  # USPS codes the user may import; None: any state


NO_RIGHTS = ImportRights(may_import=False, states=frozenset())


def import_rights_for_user(*, user: User) -> ImportRights:
    """A national administrator may import any state; whoever may manage their own state
    (a state administrator) only that state's rows; nobody else."""
    scope = scope_for_user(user)
    if scope.everything:
        return ImportRights(may_import=True, states=None)
    if scope.state_id is None or scope.lea_id is not None:
        return NO_RIGHTS
    state = state_list_for_user(user=user).filter(pk=scope.state_id).first()
    if state is None or not user_can_manage_state(user=user, state=state):
        return NO_RIGHTS
    return ImportRights(may_import=True, states=frozenset({state.code}))


def import_job_list_for_user(*, user: User) -> QuerySet[ImportJob]:
    """Jobs the user may see: all for a national administrator; for a state administrator
    the jobs limited to their own state (theirs and their colleagues'); none otherwise."""
    rights = import_rights_for_user(user=user)
    jobs = ImportJob.objects.select_related("uploaded_by")
    if not rights.may_import:
        return jobs.none()
    if rights.states is None:
        return jobs
    return jobs.filter(allowed_states=sorted(rights.states))


def user_can_read_access_log(*, user: User) -> bool:
    """The access log, and unlocking accounts locked after failed sign-ins: the security
    office's work, done by national administrators."""
    return scope_for_user(user).everything


def access_event_list_for_user(*, user: User) -> QuerySet[AccessEvent]:
    """Every access event for a national administrator; none for anyone else."""
    if not user_can_read_access_log(user=user):
        return AccessEvent.objects.none()
    return AccessEvent.objects.select_related("user")
