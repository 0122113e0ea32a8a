"""Writes to improvement plans.

- Every refusal is a `PlanError` naming the field it is about; nothing is stored then.
- The plan, its objectives and its tasks carry a version. An edit names the version the
  user started from and is one conditional UPDATE (`... WHERE version = n`); when someone
  else changed the row in the meantime nothing is written and `PlanConflict` carries both
  versions (theirs as stored now, and the one the user sent).
- Any change touches the plan's `last_activity_at`, which the state view lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from access import selectors as access
from accounts.models import User
from assessments.models import Assessment
from cbe_portal import figures
from frameworks.models import Indicator
from policies.selectors import lea_alignment

from .models import TEXT_MAX_LENGTH, CoachingComment, Objective, Plan, ProgressNote, Task

NUL = "\x00"


class PlanError(Exception):
    """A refused request: `status` is the HTTP status, `message` what to tell the user,
    `field` the input it is about, when it is about one."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class PlanInvalid(PlanError):
    pass


class PlanNotAllowed(PlanError):
    status = 403
    code = "not_allowed"


class PlanConflict(PlanError):
    """Someone changed the row since the user loaded it: `theirs` is the stored row,
    `yours` what the user sent."""

    status = 409
    code = "plan_conflict"

    def __init__(self, message: str, *, theirs: dict[str, Any], yours: dict[str, Any]):
        super().__init__(message, field="version")
        self.theirs = theirs
        self.yours = yours

    @property
    def rows(self) -> list[tuple[str, Any, Any]]:
        """(field label, saved value, sent value) for the page that shows both."""
        return [
            (FIELD_LABELS.get(key, key), value, self.yours.get(key))
            for key, value in self.theirs.items()
            if key != "id"
        ]


FIELD_LABELS = {
    "statement": "What will be true",
    "target_on": "By when",
    "description": "Task",
    "owner_name": "Owner",
    "owner_user": "Owner’s portal account",
    "starts_on": "Start date",
    "due_on": "Due date",
    "status": "Status",
    "version": "Version",
}


# --- checks -------------------------------------------------------------------------------


def _text(value: Any, *, field: str, label: str, required: bool) -> str:
    text = (value if isinstance(value, str) else "" if value is None else str(value)).strip()
    if required and not text:
        raise PlanInvalid(f"{label}: write something here.", field=field)
    if len(text) > TEXT_MAX_LENGTH:
        raise PlanInvalid(
            f"{label}: {len(text):,} characters is too long; the limit is {TEXT_MAX_LENGTH:,}.",
            field=field,
        )
    if NUL in text:
        raise PlanInvalid(f"{label} contains a NUL character (\\0); remove it.", field=field)
    return text


def _date(value: Any, *, field: str, label: str, required: bool) -> date | None:
    if value in (None, ""):
        if required:
            raise PlanInvalid(f"{label}: give a date.", field=field)
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise PlanInvalid(f"{label}: give a date as YYYY-MM-DD.", field=field) from None


def _version(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PlanInvalid(
            "The version you edited is missing or not a whole number.", field="version"
        )
    return value


def _touch(plan_id: int) -> None:
    Plan.objects.filter(pk=plan_id).update(last_activity_at=timezone.now())


def _require_edit(*, user: User, plan: Plan) -> None:
    if not access.user_can_edit_plan(user=user, lea=plan.lea):
        raise PlanNotAllowed("Only the LEA's own district leaders change its plan.")


def _require_coach(*, user: User, plan: Plan) -> None:
    if not access.user_can_coach_plan(user=user, lea=plan.lea):
        raise PlanNotAllowed("Only the state's staff and administrators coach and review plans.")


# --- priorities ---------------------------------------------------------------------------


def plan_get_or_create(*, user: User, assessment: Assessment) -> Plan:
    plan = Plan.objects.filter(lea_id=assessment.lea_id, cycle_id=assessment.cycle_id).first()
    if plan is not None:
        return plan
    try:
        with transaction.atomic():
            return Plan.objects.create(
                lea_id=assessment.lea_id,
                cycle_id=assessment.cycle_id,
                created_by=user,
                last_activity_at=timezone.now(),
            )
    except IntegrityError:  # created by someone else at the same moment
        return Plan.objects.get(lea_id=assessment.lea_id, cycle_id=assessment.cycle_id)


def plan_priorities_set(
    *, user: User, assessment: Assessment, indicator_codes: Iterable[str]
) -> Plan:
    """Make exactly these gaps of the assessment the plan's priorities: an objective is
    added for each new one; one that is no longer chosen is removed, unless it already
    has tasks (then the whole request is refused)."""
    if not access.user_can_set_priorities(user=user, lea=assessment.lea):
        raise PlanNotAllowed("Your role may read this LEA's results but not set its priorities.")
    codes = list(dict.fromkeys(str(code) for code in indicator_codes))
    gaps = {gap.indicator_code for gap in lea_alignment(assessment=assessment).gaps}
    not_gaps = [code for code in codes if code not in gaps]
    if not_gaps:
        raise PlanInvalid(
            f"Priorities: {', '.join(not_gaps)} "
            f"{'is not a gap' if len(not_gaps) == 1 else 'are not gaps'} of this LEA in this "
            "cycle; only its gaps can be priorities.",
            field="priorities",
        )
    with transaction.atomic():
        plan = plan_get_or_create(user=user, assessment=assessment)
        existing = {
            o.indicator.code: o
            for o in Objective.objects.filter(plan=plan)
            .select_related("indicator")
            .select_for_update()
        }
        dropped = [o for code, o in existing.items() if code not in codes]
        with_tasks = [o.indicator.code for o in dropped if o.tasks.exists()]
        if with_tasks:
            raise PlanInvalid(
                f"Priorities: {', '.join(with_tasks)} already "
                f"{'has' if len(with_tasks) == 1 else 'have'} tasks; remove the tasks "
                "before taking it off the plan.",
                field="priorities",
            )
        Objective.objects.filter(pk__in=[o.pk for o in dropped]).delete()
        indicators = Indicator.objects.filter(
            framework_id=assessment.cycle.framework_id,
            code__in=[c for c in codes if c not in existing],
        )
        Objective.objects.bulk_create(Objective(plan=plan, indicator=ind) for ind in indicators)
        _touch(plan.pk)
        figures.cycle_pages_changed(cycle_id=assessment.cycle_id)  # the levers' planned gaps
    return plan


# --- objectives ---------------------------------------------------------------------------


def objective_as_dict(objective: Objective) -> dict[str, Any]:
    return {
        "id": objective.pk,
        "statement": objective.statement,
        "target_on": objective.target_on.isoformat() if objective.target_on else None,
        "version": objective.version,
    }


def objective_update(
    *, user: User, objective: Objective, statement: Any, target_on: Any, version: Any
) -> Objective:
    """What will be true about the priority, by when."""
    plan = objective.plan
    _require_edit(user=user, plan=plan)
    version = _version(version)
    statement = _text(statement, field="statement", label="What will be true", required=True)
    target = _date(target_on, field="target_on", label="By when", required=True)
    yours = {"statement": statement, "target_on": target.isoformat() if target else None}
    with transaction.atomic():
        changed = Objective.objects.filter(pk=objective.pk, version=version).update(
            statement=statement,
            target_on=target,
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        if not changed:
            theirs = Objective.objects.get(pk=objective.pk)
            raise PlanConflict(
                "Someone changed this objective since you opened it. Your text was not saved; "
                "compare it with theirs below and save again.",
                theirs=objective_as_dict(theirs),
                yours={**yours, "version": version},
            )
        _touch(plan.pk)
    objective.refresh_from_db()
    return objective


# --- tasks --------------------------------------------------------------------------------


def task_as_dict(task: Task) -> dict[str, Any]:
    return {
        "id": task.pk,
        "description": task.description,
        "owner_name": task.owner_name,
        "owner_user": task.owner_user_id,
        "starts_on": task.starts_on.isoformat(),
        "due_on": task.due_on.isoformat(),
        "status": task.status,
        "version": task.version,
    }


def _owner_user(*, plan: Plan, owner_user: Any) -> User | None:
    """A portal user named as owner must be someone who may see the plan."""
    if owner_user in (None, ""):
        return None
    if isinstance(owner_user, User):
        candidate = owner_user
    else:
        try:
            candidate = User.objects.get(pk=int(owner_user), is_active=True)
        except (TypeError, ValueError, User.DoesNotExist):
            raise PlanInvalid("Owner on the portal: no such user.", field="owner_user") from None
    if not access.user_can_see_plans(user=candidate, lea=plan.lea):
        raise PlanInvalid(
            "Owner on the portal: this person cannot see the plan; name them as owner instead.",
            field="owner_user",
        )
    return candidate


def _task_fields(
    *,
    plan: Plan,
    description: Any,
    owner_name: Any,
    owner_user: Any,
    starts_on: Any,
    due_on: Any,
    status: Any,
) -> dict[str, Any]:
    description = _text(description, field="description", label="Task", required=True)
    owner = _text(owner_name, field="owner_name", label="Owner", required=False)
    if not owner:
        raise PlanInvalid("Owner: name the person responsible for this task.", field="owner_name")
    if len(owner) > 200:
        raise PlanInvalid("Owner: keep the name under 200 characters.", field="owner_name")
    start = _date(starts_on, field="starts_on", label="Start date", required=True)
    due = _date(due_on, field="due_on", label="Due date", required=True)
    assert start is not None and due is not None
    if due < start:
        raise PlanInvalid(
            f"Due date: {due:%B} {due.day}, {due.year} is before the start date "
            f"({start:%B} {start.day}, {start.year}).",
            field="due_on",
        )
    if status not in Task.Status.values:
        raise PlanInvalid("Status: choose not started, in progress, done or stuck.", field="status")
    return {
        "description": description,
        "owner_name": owner,
        "owner_user": _owner_user(plan=plan, owner_user=owner_user),
        "starts_on": start,
        "due_on": due,
        "status": status,
    }


def task_create(
    *,
    user: User,
    objective: Objective,
    description: Any,
    owner_name: Any,
    starts_on: Any,
    due_on: Any,
    owner_user: Any = None,
    status: Any = Task.Status.NOT_STARTED,
) -> Task:
    plan = objective.plan
    _require_edit(user=user, plan=plan)
    fields = _task_fields(
        plan=plan,
        description=description,
        owner_name=owner_name,
        owner_user=owner_user,
        starts_on=starts_on,
        due_on=due_on,
        status=status,
    )
    with transaction.atomic():
        task = Task.objects.create(objective=objective, **fields)
        _touch(plan.pk)
    return task


def task_update(
    *,
    user: User,
    task: Task,
    version: Any,
    description: Any,
    owner_name: Any,
    starts_on: Any,
    due_on: Any,
    status: Any,
    owner_user: Any = None,
) -> Task:
    plan = task.objective.plan
    _require_edit(user=user, plan=plan)
    version = _version(version)
    fields = _task_fields(
        plan=plan,
        description=description,
        owner_name=owner_name,
        owner_user=owner_user,
        starts_on=starts_on,
        due_on=due_on,
        status=status,
    )
    return _task_write(task=task, version=version, fields=fields)


def task_status_set(*, user: User, task: Task, version: Any, status: Any) -> Task:
    """Only the status (the one-click "mark done" on the plan page)."""
    plan = task.objective.plan
    _require_edit(user=user, plan=plan)
    version = _version(version)
    if status not in Task.Status.values:
        raise PlanInvalid("Status: choose not started, in progress, done or stuck.", field="status")
    return _task_write(task=task, version=version, fields={"status": status})


def _task_write(*, task: Task, version: int, fields: Mapping[str, Any]) -> Task:
    with transaction.atomic():
        changed = Task.objects.filter(pk=task.pk, version=version).update(
            **fields, version=F("version") + 1, updated_at=timezone.now()
        )
        if not changed:
            theirs = Task.objects.get(pk=task.pk)
            yours = {**task_as_dict(theirs), **_plain(fields), "version": version}
            raise PlanConflict(
                "Someone changed this task since you opened it. Your change was not saved; "
                "compare it with theirs and save again.",
                theirs=task_as_dict(theirs),
                yours=yours,
            )
        _touch(task.objective.plan_id)
    task.refresh_from_db()
    return task


def _plain(fields: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, date):
            out[key] = value.isoformat()
        elif isinstance(value, User):
            out[key] = value.pk
        else:
            out[key] = value
    return out


def task_delete(*, user: User, task: Task) -> None:
    plan_id = task.objective.plan_id
    _require_edit(user=user, plan=task.objective.plan)
    with transaction.atomic():
        task.delete()
        _touch(plan_id)


# --- notes and comments -------------------------------------------------------------------


def progress_note_add(
    *, user: User, task: Task, body: Any, evidence: Any = "", noted_on: Any = None
) -> ProgressNote:
    plan = task.objective.plan
    _require_edit(user=user, plan=plan)
    body = _text(body, field="body", label="Progress note", required=True)
    evidence = _text(evidence, field="evidence", label="Evidence", required=False)
    when = _date(noted_on, field="noted_on", label="Date of the note", required=False)
    today = timezone.localdate()
    when = when or today
    if when > today:
        raise PlanInvalid(
            "Date of the note: a progress note cannot be dated in the future.", field="noted_on"
        )
    with transaction.atomic():
        note = ProgressNote.objects.create(
            task=task, body=body, evidence=evidence, noted_on=when, author=user
        )
        _touch(plan.pk)
    return note


def coaching_comment_add(*, user: User, objective: Objective, body: Any) -> CoachingComment:
    plan = objective.plan
    _require_coach(user=user, plan=plan)
    body = _text(body, field="body", label="Coaching comment", required=True)
    with transaction.atomic():
        comment = CoachingComment.objects.create(objective=objective, author=user, body=body)
        _touch(plan.pk)
    return comment


# --- plan status --------------------------------------------------------------------------


def plan_as_dict(plan: Plan) -> dict[str, Any]:
    return {"id": plan.pk, "status": plan.status, "version": plan.version}


def _plan_transition(
    *, plan: Plan, version: Any, allowed_from: tuple[str, ...], to: str, extra: Mapping[str, Any]
) -> Plan:
    version = _version(version)
    now = timezone.now()
    changed = Plan.objects.filter(pk=plan.pk, version=version, status__in=allowed_from).update(
        status=to, version=F("version") + 1, last_activity_at=now, **extra
    )
    if not changed:
        theirs = Plan.objects.get(pk=plan.pk)
        if theirs.version == version:
            raise PlanInvalid(
                f"Status: the plan is {theirs.get_status_display().lower()}, so it cannot be "
                f"marked {Plan.Status(to).label.lower()}.",
                field="status",
            )
        raise PlanConflict(
            "Someone changed this plan since you opened it; look at it again before you go on.",
            theirs=plan_as_dict(theirs),
            yours={"id": plan.pk, "status": to, "version": version},
        )
    plan.refresh_from_db()
    return plan


def plan_submit(*, user: User, plan: Plan, version: Any) -> Plan:
    """The district leader asks the state to review the plan."""
    _require_edit(user=user, plan=plan)
    if not plan.objectives.exists():
        raise PlanInvalid(
            "Priorities: choose at least one priority before submitting.", field="priorities"
        )
    return _plan_transition(
        plan=plan,
        version=version,
        allowed_from=(Plan.Status.DRAFT, Plan.Status.REVIEWED),
        to=Plan.Status.SUBMITTED,
        extra={"submitted_at": timezone.now()},
    )


def plan_mark_reviewed(*, user: User, plan: Plan, version: Any) -> Plan:
    _require_coach(user=user, plan=plan)
    return _plan_transition(
        plan=plan,
        version=version,
        allowed_from=(Plan.Status.SUBMITTED,),
        to=Plan.Status.REVIEWED,
        extra={"reviewed_at": timezone.now(), "reviewed_by": user},
    )
