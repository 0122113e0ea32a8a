"""Reads of improvement plans: the suggested order of priorities, one plan with its
monitoring figures, the state's plans LEA by LEA, how planned gaps moved compared with
unplanned ones, and gaps with a plan per lever.

The suggested order of priorities follows the kind of each gap (`policies.selectors.
gap_category`): a gap a state policy already opens comes first, then one the LEA could
join, then one that is up to the LEA alone, and last one blocked by a missing lever.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import cast

from django.conf import settings
from django.db.models import Count, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from assessments.models import COMPARED_STATUSES, Answer, Assessment, AssessmentCycle
from directory.models import LEA, State
from frameworks.document import Framework
from policies.selectors import (
    AVAILABLE,
    BLOCKED,
    LOCAL,
    OPENED,
    GapRow,
    gap_category_label,
    lea_alignment,
)

from .models import CoachingComment, Objective, Plan, ProgressNote, Task

# --- priorities ---------------------------------------------------------------------------

PRIORITY_ORDER = (OPENED, AVAILABLE, LOCAL, BLOCKED)
PRIORITY_REASONS = {
    OPENED: "Start here: a state policy in force already reaches this LEA ({levers}), so "
    "the way is open.",
    AVAILABLE: "Within reach: the LEA could join a state policy that is in force for others "
    "({levers}) and then act on it.",
    LOCAL: "Up to the LEA: no state lever governs this practice, so local action alone can "
    "move it.",
    BLOCKED: "Later, or together with the state: the state levers that would make room for "
    "it ({levers}) are not in force yet.",
}


@dataclass(frozen=True)
class PriorityChoice:
    code: str
    title: str
    domain_name: str
    rating_label: str
    category: str
    reason: str
    rank: int  # 1 for the first suggested
    chosen: bool

    @property
    def category_label(self) -> str:
        return gap_category_label(self.category)


def _reason(gap: GapRow) -> str:
    if gap.category == OPENED:
        names = [lever.name for lever in gap.levers if lever.reaches_lea]
    elif gap.category == AVAILABLE:
        names = [lever.name for lever in gap.levers if lever.active]
    else:
        names = [lever.name for lever in gap.levers]
    return PRIORITY_REASONS[gap.category].format(levers=", ".join(names))


def priority_order(gaps: Iterable[GapRow]) -> list[GapRow]:
    """Gaps in the suggested order: by kind (PRIORITY_ORDER), then framework order."""
    listed = list(gaps)
    position = {gap.indicator_code: i for i, gap in enumerate(listed)}
    return sorted(
        listed,
        key=lambda gap: (PRIORITY_ORDER.index(gap.category), position[gap.indicator_code]),
    )


def plan_priority_choices(*, assessment: Assessment, plan: Plan | None) -> list[PriorityChoice]:
    """The assessment's gaps in the suggested order, each with why, and whether it is a
    priority of the plan already."""
    chosen = (
        set(Objective.objects.filter(plan=plan).values_list("indicator__code", flat=True))
        if plan is not None
        else set()
    )
    gaps = priority_order(lea_alignment(assessment=assessment).gaps)
    return [
        PriorityChoice(
            code=gap.indicator_code,
            title=gap.indicator_title,
            domain_name=gap.domain_name,
            rating_label=gap.rating_label,
            category=gap.category,
            reason=_reason(gap),
            rank=rank,
            chosen=gap.indicator_code in chosen,
        )
        for rank, gap in enumerate(gaps, start=1)
    ]


# --- one plan -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Movement:
    """An indicator's rating in the plan's cycle and in the next cycle's accepted
    assessment (None when that assessment does not rate it)."""

    before: int | None
    after: int | None
    before_label: str
    after_label: str

    @property
    def change(self) -> str:
        if self.before is None or self.after is None:
            return "not rated again"
        if self.after > self.before:
            return "improved"
        if self.after < self.before:
            return "declined"
        return "unchanged"


@dataclass
class ObjectiveView:
    objective: Objective
    code: str
    title: str
    category: str
    tasks: list[Task] = field(default_factory=list)
    notes: dict[int, list[ProgressNote]] = field(default_factory=dict)
    comments: list[CoachingComment] = field(default_factory=list)
    movement: Movement | None = None

    @property
    def category_label(self) -> str:
        return gap_category_label(self.category) if self.category else "No longer a gap"


@dataclass(frozen=True)
class ReassessFlag:
    code: str
    title: str
    since_cycle: str
    cycles_ago: int


@dataclass
class PlanDetail:
    plan: Plan
    objectives: list[ObjectiveView]
    today: date
    next_cycle: AssessmentCycle | None
    reassess: list[ReassessFlag]

    @property
    def tasks(self) -> list[Task]:
        return [t for o in self.objectives for t in o.tasks]

    @property
    def task_count(self) -> int:
        return len(self.tasks)

    @property
    def done_count(self) -> int:
        return sum(1 for t in self.tasks if t.status == Task.Status.DONE)

    @property
    def percent_done(self) -> int | None:
        """Whole percent of tasks done; None when the plan has no task yet."""
        total = self.task_count
        return round(100 * self.done_count / total) if total else None

    @property
    def overdue(self) -> list[Task]:
        return [t for t in self.tasks if t.is_overdue(self.today)]

    @property
    def without_tasks(self) -> list[ObjectiveView]:
        return [o for o in self.objectives if not o.tasks]


def plan_get_detail(*, plan: Plan, today: date | None = None) -> PlanDetail:
    """The plan with its objectives, tasks, notes and comments, its monitoring figures,
    each planned indicator's rating before and after (once the next cycle's assessment is
    accepted) and the indicators to re-assess. A fixed number of queries."""
    today = today or timezone.localdate()
    framework = plan.cycle.framework.spec
    objectives = list(Objective.objects.filter(plan=plan).select_related("indicator"))
    tasks = list(Task.objects.filter(objective__plan=plan).select_related("owner_user"))
    notes = list(ProgressNote.objects.filter(task__objective__plan=plan).select_related("author"))
    comments = list(CoachingComment.objects.filter(objective__plan=plan).select_related("author"))
    assessment = Assessment.objects.filter(lea_id=plan.lea_id, cycle_id=plan.cycle_id).first()
    categories = (
        {g.indicator_code: g.category for g in lea_alignment(assessment=assessment).gaps}
        if assessment
        else {}
    )
    next_cycle = cycle_next(cycle=plan.cycle)
    before = _ratings(lea_id=plan.lea_id, cycle_id=plan.cycle_id, accepted_only=False) or {}
    after = (
        _ratings(lea_id=plan.lea_id, cycle_id=next_cycle.pk, accepted_only=True)
        if next_cycle
        else None
    )
    views = []
    for objective in objectives:
        code = objective.indicator.code
        movement = None
        if after is not None:
            b, a = before.get(code), after.get(code)
            movement = Movement(
                before=b,
                after=a,
                before_label=framework.rating_label(b) if b else "not rated",
                after_label=framework.rating_label(a) if a else "not rated",
            )
        view = ObjectiveView(
            objective=objective,
            code=code,
            title=objective.indicator.title,
            category=categories.get(code, ""),
            movement=movement,
        )
        view.tasks = [t for t in tasks if t.objective_id == objective.pk]
        view.comments = [c for c in comments if c.objective_id == objective.pk]
        for task in view.tasks:
            view.notes[task.pk] = [n for n in notes if n.task_id == task.pk]
        views.append(view)
    return PlanDetail(
        plan=plan,
        objectives=views,
        today=today,
        next_cycle=next_cycle if after is not None else None,
        reassess=reassess_flags(lea_id=plan.lea_id, cycle=plan.cycle, framework=framework),
    )


def _ratings(*, lea_id: int, cycle_id: int, accepted_only: bool) -> dict[str, int] | None:
    """{indicator code: rating} of the LEA's assessment in the cycle; None when there is
    no such assessment (accepted, when `accepted_only`)."""
    assessments = Assessment.objects.filter(lea_id=lea_id, cycle_id=cycle_id)
    if accepted_only:
        assessments = assessments.filter(status=Assessment.Status.ACCEPTED)
    assessment_id = assessments.values_list("pk", flat=True).first()
    if assessment_id is None:
        return None if accepted_only else {}
    return {
        code: cast(int, rating)
        for code, rating in Answer.objects.filter(
            assessment_id=assessment_id, rating__isnull=False
        ).values_list("indicator__code", "rating")
    }


def cycle_next(*, cycle: AssessmentCycle) -> AssessmentCycle | None:
    """The state's cycle that starts next after this one."""
    return (
        AssessmentCycle.objects.filter(state_id=cycle.state_id, starts_on__gt=cycle.starts_on)
        .select_related("framework")
        .order_by("starts_on")
        .first()
    )


def reassess_flags(
    *, lea_id: int, cycle: AssessmentCycle, framework: Framework
) -> list[ReassessFlag]:
    """Indicators whose ratings have said "established" (the top of the rubric) without a
    break for more than `PLAN_REASSESS_AFTER_CYCLES` of the state's cycles up to this
    one: a fresh look with new evidence keeps a strength honest.

    The run starts at the first cycle, among the LEA's rated answers, after which every
    rating of the indicator was the top level."""
    limit = settings.PLAN_REASSESS_AFTER_CYCLES
    top = max(framework.rating_labels)
    cycles = list(
        AssessmentCycle.objects.filter(state_id=cycle.state_id, starts_on__lte=cycle.starts_on)
        .order_by("starts_on")
        .values_list("pk", "name")
    )
    index = {pk: i for i, (pk, _) in enumerate(cycles)}
    names = dict(cycles)
    now = index.get(cycle.pk, len(cycles) - 1)
    rows = (
        Answer.objects.filter(
            assessment__lea_id=lea_id,
            assessment__cycle_id__in=list(index),
            rating__isnull=False,
        )
        .values_list("indicator__code", "assessment__cycle_id", "rating")
        .order_by()
    )
    by_code: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for code, cycle_id, rating in rows:
        by_code[code].append((index[cycle_id], cast(int, rating)))
    flags = []
    for code, ratings in by_code.items():
        if code not in framework.indicator_by_code:
            continue
        ratings.sort()
        if ratings[-1][1] != top:
            continue
        start = ratings[-1][0]
        for position, rating in reversed(ratings):
            if rating != top:
                break
            start = position
        if now - start > limit:
            flags.append(
                ReassessFlag(
                    code=code,
                    title=framework.indicator(code).title,
                    since_cycle=names[cycles[start][0]],
                    cycles_ago=now - start,
                )
            )
    order = {code: i for i, code in enumerate(framework.indicator_codes)}
    return sorted(flags, key=lambda f: order[f.code])


# --- the state's plans, LEA by LEA --------------------------------------------------------

NO_PLAN = "none"
PLAN_STATUS_CHOICES = ((NO_PLAN, "No plan"), *Plan.Status.choices)
PLAN_STATUS_LABELS = dict(PLAN_STATUS_CHOICES)


@dataclass(frozen=True)
class StatePlanRow:
    leaid: str
    lea_name: str
    status: str
    tasks: int
    done: int
    overdue: int
    last_activity: datetime | None

    @property
    def status_label(self) -> str:
        return PLAN_STATUS_LABELS[self.status]


def state_plan_rows(
    *, state: State, cycle: AssessmentCycle, status: str = "", today: date | None = None
) -> list[StatePlanRow]:
    """Every LEA of the state with its plan's status for the cycle ("none" without one),
    its tasks, how many are done and overdue, and its last activity; filtered by status
    when one is given. One query, whatever the number of LEAs."""
    today = today or timezone.localdate()
    plans = Plan.objects.filter(lea_id=OuterRef("pk"), cycle_id=cycle.pk)
    tasks = Task.objects.filter(
        objective__plan__lea_id=OuterRef("pk"), objective__plan__cycle_id=cycle.pk
    )

    def _count(qs: QuerySet) -> Coalesce:
        return Coalesce(
            Subquery(
                qs.order_by().values("objective__plan__lea_id").annotate(n=Count("pk")).values("n")
            ),
            0,
        )

    leas = (
        LEA.objects.filter(state_id=state.pk)
        .annotate(
            plan_status=Coalesce(Subquery(plans.values("status")[:1]), Value(NO_PLAN)),
            plan_activity=Subquery(plans.values("last_activity_at")[:1]),
            task_count=_count(tasks),
            done_count=_count(tasks.filter(status=Task.Status.DONE)),
            overdue_count=_count(tasks.exclude(status=Task.Status.DONE).filter(due_on__lt=today)),
        )
        .order_by("name", "leaid")
    )
    if status:
        leas = leas.filter(plan_status=status)
    return [
        StatePlanRow(
            leaid=row["leaid"],
            lea_name=row["name"],
            status=row["plan_status"],
            tasks=row["task_count"],
            done=row["done_count"],
            overdue=row["overdue_count"],
            last_activity=row["plan_activity"],
        )
        for row in leas.values(
            "leaid",
            "name",
            "plan_status",
            "plan_activity",
            "task_count",
            "done_count",
            "overdue_count",
        )
    ]


def state_plan_status_counts(*, state: State, cycle: AssessmentCycle) -> dict[str, int]:
    """How many of the state's LEAs have no plan, a draft, a submitted or a reviewed plan
    in the cycle: the aggregate a task force may see. Two queries."""
    counts = dict(
        Plan.objects.filter(lea__state_id=state.pk, cycle_id=cycle.pk)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    total = LEA.objects.filter(state_id=state.pk).count()
    result = {NO_PLAN: total - sum(counts.values())}
    result.update({code: counts.get(code, 0) for code in Plan.Status.values})
    return result


# --- closing the loop: planned against unplanned gaps -------------------------------------

CHANGES = ("improved", "unchanged", "declined", "not rated again")


@dataclass(frozen=True)
class MovementTally:
    """How the gaps of one group moved to the next cycle, with counts."""

    gaps: int
    improved: int
    unchanged: int
    declined: int
    not_rated_again: int

    @property
    def compared(self) -> int:
        return self.improved + self.unchanged + self.declined

    @property
    def improved_percent(self) -> float | None:
        return round(100 * self.improved / self.compared, 1) if self.compared else None


def movement_tally(pairs: Iterable[tuple[int, int | None]]) -> MovementTally:
    """Pure: (rating before, rating after or None) of each gap, counted by how it moved."""
    counts = dict.fromkeys(CHANGES, 0)
    total = 0
    for before, after in pairs:
        total += 1
        if after is None:
            counts["not rated again"] += 1
        elif after > before:
            counts["improved"] += 1
        elif after < before:
            counts["declined"] += 1
        else:
            counts["unchanged"] += 1
    return MovementTally(
        gaps=total,
        improved=counts["improved"],
        unchanged=counts["unchanged"],
        declined=counts["declined"],
        not_rated_again=counts["not rated again"],
    )


@dataclass(frozen=True)
class PlanOutcomes:
    cycle: AssessmentCycle
    next_cycle: AssessmentCycle | None
    leas: int  # LEAs with a gap in the cycle and an accepted assessment in the next
    planned: MovementTally
    unplanned: MovementTally


def state_plan_outcomes(*, state: State, cycle: AssessmentCycle) -> PlanOutcomes:
    """How the state's planned gaps moved to the next cycle compared with its unplanned
    gaps. A gap is an indicator rated at or below the framework's gap level in an
    assessment of the cycle that others are compared with (submitted or accepted); it
    counts only for LEAs whose assessment in the next cycle is accepted. Planned: the
    LEA's plan for the cycle has an objective on it. Four queries."""
    next_cycle = cycle_next(cycle=cycle)
    empty = movement_tally(())
    if next_cycle is None:
        return PlanOutcomes(cycle, None, 0, empty, empty)
    gap_max = cycle.framework.spec.scoring.gap_max_rating
    after_leas = set(
        Assessment.objects.filter(
            lea__state_id=state.pk, cycle_id=next_cycle.pk, status=Assessment.Status.ACCEPTED
        ).values_list("lea_id", flat=True)
    )
    before = Answer.objects.filter(
        assessment__cycle_id=cycle.pk,
        assessment__lea__state_id=state.pk,
        assessment__status__in=COMPARED_STATUSES,
        assessment__lea_id__in=after_leas,
        rating__lte=gap_max,
    ).values_list("assessment__lea_id", "indicator__code", "rating")
    after = dict(
        ((lea_id, code), rating)
        for lea_id, code, rating in Answer.objects.filter(
            assessment__cycle_id=next_cycle.pk,
            assessment__lea_id__in=after_leas,
            rating__isnull=False,
        ).values_list("assessment__lea_id", "indicator__code", "rating")
    )
    planned_keys = set(
        Objective.objects.filter(plan__cycle_id=cycle.pk, plan__lea__state_id=state.pk).values_list(
            "plan__lea_id", "indicator__code"
        )
    )
    planned: list[tuple[int, int | None]] = []
    unplanned: list[tuple[int, int | None]] = []
    leas = set()
    for lea_id, code, rating in before:
        leas.add(lea_id)
        pair = (cast(int, rating), after.get((lea_id, code)))
        (planned if (lea_id, code) in planned_keys else unplanned).append(pair)
    return PlanOutcomes(
        cycle=cycle,
        next_cycle=next_cycle,
        leas=len(leas),
        planned=movement_tally(planned),
        unplanned=movement_tally(unplanned),
    )


# --- per lever: gaps with a plan ----------------------------------------------------------


def lever_planned_gap_counts(*, state: State, cycle: AssessmentCycle) -> Mapping[str, int]:
    """{lever code: number of planned gaps (objectives) aligned to it} for the state's
    plans in the cycle. One query."""
    rows = (
        Objective.objects.filter(plan__cycle_id=cycle.pk, plan__lea__state_id=state.pk)
        .values("indicator__levers__code")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        row["indicator__levers__code"]: row["n"] for row in rows if row["indicator__levers__code"]
    }


# --- the plan in a PDF --------------------------------------------------------------------


def plan_report_section(*, lea_id: int, cycle_id: int) -> dict | None:
    """The LEA's plan for the cycle as plain data for a PDF (and its input fingerprint):
    status, objectives with their tasks, owners, dates and status. None without a plan.
    One query, with or without a plan: the plan joined to its objectives and their tasks,
    one row per task (an objective without tasks, or a plan without objectives, gives one
    row whose missing parts are empty)."""
    objective, task = "objectives__", "objectives__tasks__"
    rows = list(
        Plan.objects.filter(lea_id=lea_id, cycle_id=cycle_id)
        .order_by(f"{objective}indicator__position", f"{objective}pk", f"{task}due_on", f"{task}pk")
        .values(
            "status",
            f"{objective}pk",
            f"{objective}indicator__code",
            f"{objective}indicator__title",
            f"{objective}statement",
            f"{objective}target_on",
            f"{task}pk",
            f"{task}description",
            f"{task}owner_name",
            f"{task}starts_on",
            f"{task}due_on",
            f"{task}status",
        )
    )
    if not rows:
        return None
    labels = dict(Task.Status.choices)
    today = timezone.localdate()
    objectives: dict[int, dict] = {}
    statuses = []
    for row in rows:
        if row[f"{objective}pk"] is None:
            continue  # a plan without objectives yet
        entry = objectives.get(row[f"{objective}pk"])
        if entry is None:
            target_on = row[f"{objective}target_on"]
            entry = objectives[row[f"{objective}pk"]] = {
                "code": row[f"{objective}indicator__code"],
                "title": row[f"{objective}indicator__title"],
                "statement": row[f"{objective}statement"],
                "target_on": target_on.isoformat() if target_on else "",
                "tasks": [],
            }
        if row[f"{task}pk"] is None:
            continue  # an objective without tasks yet
        status = row[f"{task}status"]
        statuses.append(status)
        entry["tasks"].append(
            {
                "description": row[f"{task}description"],
                "owner": row[f"{task}owner_name"],
                "starts_on": row[f"{task}starts_on"].isoformat(),
                "due_on": row[f"{task}due_on"].isoformat(),
                "status_label": labels[status],
                "overdue": status != Task.Status.DONE and row[f"{task}due_on"] < today,
            }
        )
    done = statuses.count(Task.Status.DONE)
    return {
        "status": rows[0]["status"],
        "status_label": dict(Plan.Status.choices)[rows[0]["status"]],
        "task_count": len(statuses),
        "done_count": done,
        "percent_done": round(100 * done / len(statuses)) if statuses else None,
        "objectives": list(objectives.values()),
    }
