"""Plan pages: choose priorities from the LEA's gaps, then the plan itself (objectives,
tasks, progress notes, coaching comments, submit and review). Every lookup goes through
access.selectors; a plan the user may not see is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from access import selectors as access

from . import services
from .forms import (
    CommentForm,
    NoteForm,
    ObjectiveForm,
    PrioritiesForm,
    TaskEditForm,
    TaskForm,
    TaskStatusForm,
    VersionForm,
    form_refused,
)
from .models import Plan, Task
from .selectors import plan_get_detail, plan_priority_choices


def _plan_url(plan: Plan, anchor: str = "") -> str:
    url = reverse("plans:plan", args=[plan.lea.leaid, plan.cycle_id])
    return f"{url}#{anchor}" if anchor else url


# --- priorities ---------------------------------------------------------------------------


@login_required
def priorities(request, leaid: str, cycle_id: int):
    assessment = access.assessment_get_for_lea_cycle(
        user=request.user, leaid=leaid, cycle_id=cycle_id
    )
    if not access.user_can_set_priorities(user=request.user, lea=assessment.lea):
        raise Http404("No such plan.")
    plan = (
        access.plan_list_for_user(user=request.user)
        .filter(lea_id=assessment.lea_id, cycle_id=assessment.cycle_id)
        .first()
    )
    choices = plan_priority_choices(assessment=assessment, plan=plan)
    status = 200
    if request.method == "POST":
        form = PrioritiesForm(request.POST, choices=choices)
        if form.is_valid():
            try:
                plan = services.plan_priorities_set(
                    user=request.user,
                    assessment=assessment,
                    indicator_codes=form.cleaned_data["priorities"],
                )
            except services.PlanError as exc:
                form_refused(form, exc)
                status = exc.status
            else:
                messages.success(request, "Priorities saved.")
                return redirect(_plan_url(plan))
        else:
            status = 400
    else:
        form = PrioritiesForm(
            initial={"priorities": [c.code for c in choices if c.chosen]}, choices=choices
        )
    return render(
        request,
        "plans/priorities.html",
        {
            "assessment": assessment,
            "lea": assessment.lea,
            "cycle": assessment.cycle,
            "plan": plan,
            "choices": choices,
            "form": form,
        },
        status=status,
    )


# --- the plan -----------------------------------------------------------------------------


def _plan_page(request, plan: Plan, *, status: int = 200, bound=None, conflict=None):
    bound = bound or {}
    detail = plan_get_detail(plan=plan)
    can_edit = access.user_can_edit_plan(user=request.user, lea=plan.lea)
    can_coach = access.user_can_coach_plan(user=request.user, lea=plan.lea)
    owners = list(access.plan_owner_candidates(lea=plan.lea)) if can_edit else []
    objectives = []
    for view in detail.objectives:
        o = view.objective
        tasks = [
            {
                "task": task,
                "overdue": task.is_overdue(detail.today),
                "notes": view.notes.get(task.pk, []),
                "status_form": bound.get(f"status-{task.pk}")
                or TaskStatusForm(
                    prefix=f"t{task.pk}",
                    initial={"status": task.status, "version": task.version},
                ),
                "note_form": bound.get(f"note-{task.pk}") or NoteForm(prefix=f"n{task.pk}"),
            }
            for task in view.tasks
        ]
        objectives.append(
            {
                "view": view,
                "tasks": tasks,
                "form": bound.get(f"objective-{o.pk}")
                or ObjectiveForm(
                    prefix=f"o{o.pk}",
                    initial={
                        "statement": o.statement,
                        "target_on": o.target_on,
                        "version": o.version,
                    },
                ),
                "task_form": bound.get(f"task-{o.pk}")
                or TaskForm(prefix=f"a{o.pk}", owners=owners),
                "comment_form": bound.get(f"comment-{o.pk}") or CommentForm(prefix=f"c{o.pk}"),
            }
        )
    return render(
        request,
        "plans/plan.html",
        {
            "plan": plan,
            "lea": plan.lea,
            "cycle": plan.cycle,
            "detail": detail,
            "objectives": objectives,
            "can_edit": can_edit,
            "can_coach": can_coach,
            "can_prioritise": access.user_can_set_priorities(user=request.user, lea=plan.lea),
            "version_form": VersionForm(initial={"version": plan.version}),
            "conflict": conflict,
        },
        status=status,
    )


def _plan(request, leaid: str, cycle_id: int) -> Plan:
    return access.plan_get_for_lea_cycle(user=request.user, leaid=leaid, cycle_id=cycle_id)


@login_required
def plan_page(request, leaid: str, cycle_id: int):
    return _plan_page(request, _plan(request, leaid, cycle_id))


def _refused(request, plan: Plan, key: str, form, exc: services.PlanError):
    """Re-show the plan with the refusal on the form (a conflict shows both versions)."""
    if isinstance(exc, services.PlanConflict):
        messages.error(request, exc.message)
        return _plan_page(request, plan, status=409, conflict=exc)
    form_refused(form, exc)
    return _plan_page(request, plan, status=exc.status, bound={key: form})


@login_required
@require_POST
def objective_save(request, leaid: str, cycle_id: int, objective_id: int):
    plan = _plan(request, leaid, cycle_id)
    objective = access.objective_get_for_user(user=request.user, plan=plan, pk=objective_id)
    key = f"objective-{objective.pk}"
    form = ObjectiveForm(request.POST, prefix=f"o{objective.pk}")
    if not form.is_valid():
        return _plan_page(request, plan, status=400, bound={key: form})
    try:
        services.objective_update(user=request.user, objective=objective, **form.cleaned_data)
    except services.PlanError as exc:
        return _refused(request, plan, key, form, exc)
    messages.success(request, f"Objective for {objective.indicator.code} saved.")
    return redirect(_plan_url(plan, f"objective-{objective.pk}"))


@login_required
@require_POST
def task_add(request, leaid: str, cycle_id: int, objective_id: int):
    plan = _plan(request, leaid, cycle_id)
    objective = access.objective_get_for_user(user=request.user, plan=plan, pk=objective_id)
    key = f"task-{objective.pk}"
    form = TaskForm(
        request.POST, prefix=f"a{objective.pk}", owners=access.plan_owner_candidates(lea=plan.lea)
    )
    if not form.is_valid():
        return _plan_page(request, plan, status=400, bound={key: form})
    try:
        task = services.task_create(user=request.user, objective=objective, **form.cleaned_data)
    except services.PlanError as exc:
        return _refused(request, plan, key, form, exc)
    messages.success(request, "Task added.")
    return redirect(_plan_url(plan, f"task-{task.pk}"))


@login_required
def task_edit(request, leaid: str, cycle_id: int, task_id: int):
    plan = _plan(request, leaid, cycle_id)
    task = access.task_get_for_user(user=request.user, plan=plan, pk=task_id)
    if not access.user_can_edit_plan(user=request.user, lea=plan.lea):
        raise Http404("No such task.")
    owners = access.plan_owner_candidates(lea=plan.lea)
    status, conflict = 200, None
    if request.method == "POST":
        form = TaskEditForm(request.POST, owners=owners)
        if form.is_valid():
            try:
                services.task_update(user=request.user, task=task, **form.cleaned_data)
            except services.PlanConflict as exc:
                status, conflict = 409, exc
            except services.PlanError as exc:
                form_refused(form, exc)
                status = exc.status
            else:
                messages.success(request, "Task saved.")
                return redirect(_plan_url(plan, f"task-{task.pk}"))
        else:
            status = 400
    else:
        form = TaskEditForm(
            owners=owners,
            initial={
                "description": task.description,
                "owner_name": task.owner_name,
                "owner_user": task.owner_user_id,
                "starts_on": task.starts_on,
                "due_on": task.due_on,
                "status": task.status,
                "version": task.version,
            },
        )
    return render(
        request,
        "plans/task_edit.html",
        {
            "plan": plan,
            "lea": plan.lea,
            "cycle": plan.cycle,
            "task": task,
            "form": form,
            "conflict": conflict,
        },
        status=status,
    )


@login_required
@require_POST
def task_status(request, leaid: str, cycle_id: int, task_id: int):
    plan = _plan(request, leaid, cycle_id)
    task = access.task_get_for_user(user=request.user, plan=plan, pk=task_id)
    key = f"status-{task.pk}"
    form = TaskStatusForm(request.POST, prefix=f"t{task.pk}")
    if not form.is_valid():
        return _plan_page(request, plan, status=400, bound={key: form})
    try:
        task = services.task_status_set(user=request.user, task=task, **form.cleaned_data)
    except services.PlanError as exc:
        return _refused(request, plan, key, form, exc)
    messages.success(request, f"Task marked {Task.Status(task.status).label.lower()}.")
    return redirect(_plan_url(plan, f"task-{task.pk}"))


@login_required
@require_POST
def note_add(request, leaid: str, cycle_id: int, task_id: int):
    plan = _plan(request, leaid, cycle_id)
    task = access.task_get_for_user(user=request.user, plan=plan, pk=task_id)
    key = f"note-{task.pk}"
    form = NoteForm(request.POST, prefix=f"n{task.pk}")
    if not form.is_valid():
        return _plan_page(request, plan, status=400, bound={key: form})
    try:
        services.progress_note_add(user=request.user, task=task, **form.cleaned_data)
    except services.PlanError as exc:
        return _refused(request, plan, key, form, exc)
    messages.success(request, "Progress note added.")
    return redirect(_plan_url(plan, f"task-{task.pk}"))


@login_required
@require_POST
def comment_add(request, leaid: str, cycle_id: int, objective_id: int):
    plan = _plan(request, leaid, cycle_id)
    objective = access.objective_get_for_user(user=request.user, plan=plan, pk=objective_id)
    key = f"comment-{objective.pk}"
    form = CommentForm(request.POST, prefix=f"c{objective.pk}")
    if not form.is_valid():
        return _plan_page(request, plan, status=400, bound={key: form})
    try:
        services.coaching_comment_add(
            user=request.user, objective=objective, body=form.cleaned_data["body"]
        )
    except services.PlanError as exc:
        return _refused(request, plan, key, form, exc)
    messages.success(request, "Comment posted.")
    return redirect(_plan_url(plan, f"objective-{objective.pk}"))


def _transition(request, leaid: str, cycle_id: int, service, done: str):
    plan = _plan(request, leaid, cycle_id)
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The page was out of date; look at the plan again.")
        return redirect(_plan_url(plan))
    try:
        service(user=request.user, plan=plan, version=form.cleaned_data["version"])
    except services.PlanConflict as exc:
        messages.error(request, exc.message)
        return _plan_page(request, plan, status=409, conflict=exc)
    except services.PlanError as exc:
        messages.error(request, exc.message)
        return _plan_page(request, plan, status=exc.status)
    messages.success(request, done)
    return redirect(_plan_url(plan))


@login_required
@require_POST
def plan_submit(request, leaid: str, cycle_id: int):
    return _transition(
        request, leaid, cycle_id, services.plan_submit, "Plan submitted to the state for review."
    )


@login_required
@require_POST
def plan_review(request, leaid: str, cycle_id: int):
    return _transition(
        request, leaid, cycle_id, services.plan_mark_reviewed, "Plan marked reviewed."
    )
