"""Who may see what: the ONE place that scopes querysets by user.

Every page, API endpoint, export and download asks these functions for its
rows; no view filters by role itself. A user sees:

- national admin: everything;
- state administrator, state staff, task force member: their own state;
- district leader: their own LEA (and the state and cycles around it).

Anyone else (anonymous, inactive, a role without its state or LEA) sees nothing.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import LEA, Assessment, AssessmentCycle, ImportJob, Role, State, User


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

# Answers may change, and the assessment may be submitted, only in these statuses.
ASSESSMENT_EDITABLE_STATUSES = (Assessment.Status.DRAFT, Assessment.Status.RETURNED)


def user_can_edit_policy(*, user: User, state: State) -> bool:
    scope = scope_for_user(user)
    if scope.everything:
        return True
    return user.role == Role.STATE_ADMIN and scope.state_id == state.id


def user_can_answer(*, user: User, assessment: Assessment) -> bool:
    """State staff and administrators of the LEA's state (or a national admin) may change
    answers while the assessment is a draft or has been returned; never once submitted
    or accepted."""
    if assessment.status not in ASSESSMENT_EDITABLE_STATUSES:
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
    scope = scope_for_user(user)
    if scope.everything:
        return True
    return user.role == Role.STATE_ADMIN and scope.state_id == assessment.lea.state_id


def user_can_manage_state(*, user: User, state: State) -> bool:
    """Open cycles, import LEAs, queue batches of reports."""
    scope = scope_for_user(user)
    return scope.everything or (user.role == Role.STATE_ADMIN and scope.state_id == state.id)


def user_can_submit(*, user: User, assessment: Assessment) -> bool:
    """State staff of the LEA's state (or a national admin) submit a complete draft or a
    returned assessment for review."""
    if assessment.status not in ASSESSMENT_EDITABLE_STATUSES:
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


_FRAMEWORK_CONTENT: dict[tuple[int, str], dict] = {}


def framework_content(*, framework) -> dict:
    """The parsed framework document, kept in memory per (id, content hash).

    The document is about 50 KB of JSON; reading and parsing it on every autosave was
    a third of the request's time. A version's content never changes while assessments
    use it, and the cache key includes its hash, so a reloaded file is read afresh.
    Treat the result as read-only.
    """
    if "content" in framework.__dict__:
        return framework.content
    key = (framework.pk, framework.content_hash)
    content = _FRAMEWORK_CONTENT.get(key)
    if content is None:
        framework.refresh_from_db(fields=["content", "content_hash"])
        content = framework.content
        if len(_FRAMEWORK_CONTENT) >= 32:
            _FRAMEWORK_CONTENT.clear()
        _FRAMEWORK_CONTENT[(framework.pk, framework.content_hash)] = content
    return content


def assessment_get_for_user(*, user: User, pk: int) -> Assessment:
    """The assessment with its LEA, cycle and framework (content from the in-memory copy),
    or 404 when the user may not see it. One query."""
    qs = (
        assessment_list_for_user(user=user)
        .select_related("lea__state", "cycle__framework", "assignee")
        .defer("cycle__framework__content")
    )
    assessment = get_object_or_404(qs, pk=pk)
    framework = assessment.cycle.framework
    framework.content = framework_content(framework=framework)
    return assessment


def assessment_answers(*, assessment: Assessment) -> dict:
    """The assessment's answers by indicator code (one query)."""
    from django.db.models import F

    from .models import Answer

    rows = (
        Answer.objects.filter(assessment=assessment)
        .select_related("updated_by")
        .annotate(code=F("indicator__code"))
    )
    return {answer.code: answer for answer in rows}


def assessment_missing_indicators(*, assessment: Assessment, answers: dict) -> list:
    """Indicators (framework order) with neither a rating nor "don't know"."""
    from .framework import framework_indicators

    return [
        spec
        for spec in framework_indicators(assessment.cycle.framework.content)
        if spec.code not in answers or not answers[spec.code].is_answered
    ]


def assessment_comments(*, assessment: Assessment) -> list:
    """Comments and return notes, oldest first, each with `indicator_code` (or None)."""
    from django.db.models import F

    from .models import Comment

    return list(
        Comment.objects.filter(assessment=assessment)
        .select_related("author")
        .annotate(indicator_code=F("indicator__code"))
        .order_by("created_at", "pk")
    )


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


def lea_list_with_assessment(*, user: User, filters: dict | None = None) -> QuerySet[LEA]:
    """The "My LEAs" rows: LEAs the user may see, each annotated with its current
    assessment (the one in the latest open cycle): id, status, answers given, assignee,
    cycle name and framework. One query for the rows, whatever the number of LEAs;
    every annotation is an index lookup on (lea, cycle).

    filters: q (name contains, or LEAID starts with), locale, status ("none" for not
    started), mine (only assessments assigned to `user`).
    """
    from django.db.models import OuterRef, Q, Subquery

    filters = filters or {}
    current = Assessment.objects.filter(lea=OuterRef("pk"), cycle__is_open=True).order_by(
        "-cycle__starts_on", "-pk"
    )

    def pick(field):
        return Subquery(current.values(field)[:1])

    qs = lea_list_for_user(user=user).annotate(
        assessment_id=pick("id"),
        assessment_status=pick("status"),
        answered=pick("answered_count"),
        assignee_id=pick("assignee_id"),
        cycle_name=pick("cycle__name"),
        framework_id=pick("cycle__framework_id"),
    )
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(Q(name__icontains=q) | Q(leaid__startswith=q))
    if locale := filters.get("locale"):
        qs = qs.filter(locale=locale)
    if status := filters.get("status"):
        qs = (
            qs.filter(assessment_id__isnull=True)
            if status == "none"
            else qs.filter(assessment_status=status)
        )
    if filters.get("mine"):
        qs = qs.filter(assignee_id=user.pk)
    return qs.order_by("state__name", "name", "pk")


def indicator_totals(*, framework_ids) -> dict[int, int]:
    """Number of indicators in each framework version (one query)."""
    from django.db.models import Count

    from .models import Indicator

    ids = {i for i in framework_ids if i is not None}
    if not ids:
        return {}
    rows = (
        Indicator.objects.filter(framework_id__in=ids)
        .values("framework_id")
        .annotate(n=Count("id"))
        .values_list("framework_id", "n")
    )
    return dict(rows)


@dataclass(frozen=True)
class ActivityEntry:
    """One line of an assessment's activity tab."""

    when: datetime
    who: str
    kind: str  # "status" or "answer"
    summary: str
    indicator: str = ""
    indicator_title: str = ""
    saves: int = 1


def _person(user) -> str:
    if user is None:
        return "Someone no longer on the portal"
    return user.get_full_name() or user.get_username()


def _choice_label(content: dict, rating, dont_know) -> str:
    if dont_know:
        return content["rubric"].get("dont_know_label", "Don't know")
    if rating is None:
        return "no answer"
    labels = {level["value"]: level["label"] for level in content["rubric"]["levels"]}
    return f"{rating} · {labels.get(rating, '?')}"


_STATUS_PHRASES = {
    Assessment.Status.DRAFT: "Reopened as a draft",
    Assessment.Status.SUBMITTED: "Submitted for review",
    Assessment.Status.RETURNED: "Returned for changes",
    Assessment.Status.ACCEPTED: "Accepted; answers are now locked",
}


def assessment_activity(*, assessment: Assessment) -> list[ActivityEntry]:
    """Every status change and every answer change, newest first, from the history
    tables (two queries). Consecutive saves of one evidence note by one person (autosave
    while typing) are shown as one entry with the number of saves."""
    from .models import Answer

    content = assessment.cycle.framework.content
    entries: list[ActivityEntry] = []

    previous_status = None
    status_rows = (
        Assessment.history.filter(id=assessment.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    for row in status_rows:
        if row.history_type == "+":
            summary = "Started the needs assessment"
        elif row.status != previous_status:
            summary = _STATUS_PHRASES.get(row.status, row.status)
        else:
            summary = ""
        previous_status = row.status
        if summary:
            entries.append(
                ActivityEntry(
                    when=row.history_date,
                    who=_person(row.history_user),
                    kind="status",
                    summary=summary,
                )
            )

    answer_rows = (
        Answer.history.filter(assessment_id=assessment.pk)
        .select_related("history_user", "indicator")
        .order_by("history_date", "history_id")
    )
    last_by_answer: dict[int, Any] = {}
    answer_entries: list[ActivityEntry] = []
    for row in answer_rows:
        before = last_by_answer.get(row.id)
        last_by_answer[row.id] = row
        now_label = _choice_label(content, row.rating, row.dont_know)
        parts = []
        note_only = False
        if before is None:
            parts.append(
                f"Answered {now_label}" + (" with an evidence note" if row.evidence else "")
            )
        else:
            if (before.rating, before.dont_know) != (row.rating, row.dont_know):
                was = _choice_label(content, before.rating, before.dont_know)
                parts.append(f"Changed the rating to {now_label} (was {was})")
            if before.evidence != row.evidence:
                parts.append("Edited the evidence note" if parts == [] else "edited the note")
                note_only = len(parts) == 1
        if not parts:
            parts.append("Saved without changes")
        code = row.indicator.code if row.indicator_id and row.indicator else ""
        title = row.indicator.title if row.indicator_id and row.indicator else ""
        who = _person(row.history_user)
        last = answer_entries[-1] if answer_entries else None
        if (
            note_only
            and last is not None
            and last.indicator == code
            and last.who == who
            and last.summary.startswith("Edited the evidence note")
        ):
            answer_entries[-1] = ActivityEntry(
                when=row.history_date,
                who=who,
                kind="answer",
                summary="Edited the evidence note",
                indicator=code,
                indicator_title=title,
                saves=last.saves + 1,
            )
            continue
        answer_entries.append(
            ActivityEntry(
                when=row.history_date,
                who=who,
                kind="answer",
                summary=", ".join(parts),
                indicator=code,
                indicator_title=title,
            )
        )
    entries.extend(answer_entries)
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries


def assignee_names(*, ids) -> dict[int, str]:
    """Display names of the assignees of rows the caller already scoped (one query)."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {
        user.pk: user.get_full_name() or user.get_username()
        for user in User.objects.filter(pk__in=ids).only("first_name", "last_name", "username")
    }


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


# Statewide reports, report batches and LEA imports.

REPORT_ROLES = (Role.NATIONAL_ADMIN, Role.STATE_ADMIN, Role.TASK_FORCE)


def user_can_request_state_report(*, user: User, state: State) -> bool:
    """Task force members, state administrators (their state) and national admins.
    District leaders and state staff never."""
    scope = scope_for_user(user)
    if scope.everything:
        return True
    return user.role in REPORT_ROLES and scope.state_id == state.id and scope.lea_id is None


def batch_list_for_user(*, user: User) -> QuerySet:
    """Batches the user may watch: those of states whose reports the user may manage."""
    from reports.models import ReportBatch

    scope = scope_for_user(user)
    qs = ReportBatch.objects.select_related("state", "cycle")
    if scope.everything:
        return qs
    if user.role != Role.STATE_ADMIN or scope.state_id is None:
        return qs.none()
    return qs.filter(state_id=scope.state_id)


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
