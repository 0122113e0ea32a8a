"""Pages of a running cycle: the list of cycles, set-up, a cycle's page (close), the
workload of its staff, the CSV of assignments and the LEA list's bulk assignment."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from access import selectors

from .. import cycle_selectors, cycle_services
from ..cycle_forms import AssignmentUploadForm, BulkAssignForm, CycleSetupForm
from ..services import AssessmentError


def _managed_cycle(request, pk: int):
    return get_object_or_404(selectors.managed_cycle_list_for_user(user=request.user), pk=pk)


def _add_errors(form, exc: cycle_services.CycleInvalid, *, aliases=None) -> None:
    aliases = aliases or {}
    for name, errors in exc.fields.items():
        name = aliases.get(name, name)
        for error in errors:
            form.add_error(name if name in form.fields else None, error)


@login_required
def cycle_list(request):
    states = selectors.managed_state_list_for_user(user=request.user)
    cycles = selectors.managed_cycle_list_for_user(user=request.user).order_by(
        "state__name", "-starts_on", "-pk"
    )
    if not states.exists() and not cycles.exists():
        raise PermissionDenied
    return render(
        request,
        "assessments/cycle_list.html",
        {
            "summaries": cycle_selectors.cycle_summaries(cycles=cycles),
            "today": timezone.localdate(),
        },
    )


@login_required
def cycle_setup(request):
    states = selectors.managed_state_list_for_user(user=request.user).order_by("name")
    if not states.exists():
        raise PermissionDenied
    agency_types = cycle_selectors.agency_types_of(states=states)
    form = CycleSetupForm(
        request.POST or None, request.FILES or None, states=states, agency_types=agency_types
    )
    rows: list = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            leaids = None
            if data["leas"] == "upload":
                leaids = cycle_services.leaids_from_csv(text=data["file_text"])
            opened = cycle_services.cycle_open(
                actor=request.user,
                state=data["state"],
                name=data["name"],
                assessments_due_on=data["assessments_due_on"],
                reviews_due_on=data["reviews_due_on"],
                choice=form.lea_choice(leaids),
            )
        except cycle_services.CycleInvalid as exc:
            _add_errors(form, exc, aliases={"leas": "file" if leaids else "leas"})
            rows = exc.rows
        except AssessmentError as exc:
            form.add_error(None, exc.message)
        else:
            n = len(opened.assessment_ids)
            messages.success(
                request,
                f"The cycle {opened.cycle.name} is open with {n} LEA{'s' if n != 1 else ''}. "
                "Assign them to staff from the LEA list.",
            )
            return redirect("readiness:cycle_detail", pk=opened.cycle.pk)
    return render(
        request,
        "assessments/cycle_setup.html",
        {"form": form, "rows": rows, "error_count": len(form.errors) if form.is_bound else 0},
    )


@login_required
def cycle_detail(request, pk: int):
    cycle = _managed_cycle(request, pk)
    (summary,) = cycle_selectors.cycle_summaries(cycles=[cycle])
    return render(request, "assessments/cycle_detail.html", {"cycle": cycle, "summary": summary})


@login_required
@require_POST
def cycle_close(request, pk: int):
    cycle = _managed_cycle(request, pk)
    try:
        cycle_services.cycle_close(actor=request.user, cycle=cycle)
    except AssessmentError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"The cycle {cycle.name} is closed. Its assessments can still be read."
        )
    return redirect("readiness:cycle_detail", pk=cycle.pk)


@login_required
def cycle_workload(request, pk: int):
    cycle = _managed_cycle(request, pk)
    today = timezone.localdate()
    return render(
        request,
        "assessments/cycle_workload.html",
        {
            "cycle": cycle,
            "rows": cycle_selectors.cycle_workload(cycle=cycle, today=today),
            "past_due": cycle_selectors.cycle_is_overdue(cycle=cycle, today=today),
            "list_url": reverse("readiness:lea_list"),
        },
    )


@login_required
def assignment_upload(request, pk: int):
    cycle = _managed_cycle(request, pk)
    form = AssignmentUploadForm(request.POST or None, request.FILES or None)
    rows: list = []
    if request.method == "POST" and form.is_valid():
        try:
            changed = cycle_services.assessment_assign_rows(
                actor=request.user,
                cycle=cycle,
                rows=cycle_services.assignments_from_csv(text=form.cleaned_data["file"]),
            )
        except cycle_services.CycleInvalid as exc:
            _add_errors(form, exc)
            rows = exc.rows
        except AssessmentError as exc:
            form.add_error(None, exc.message)
        else:
            n = len(changed)
            messages.success(request, f"{n} LEA{'s' if n != 1 else ''} assigned.")
            return redirect("readiness:cycle_workload", pk=cycle.pk)
    return render(
        request, "assessments/assignment_upload.html", {"cycle": cycle, "form": form, "rows": rows}
    )


@login_required
@require_POST
def lea_bulk_assign(request):
    """The LEA list's bulk action; back to the list (same filters and page) either way."""
    back = request.POST.get("next") or ""
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}
    ):
        back = reverse("readiness:lea_list")
    form = BulkAssignForm(
        request.POST, assignees=selectors.assignee_list_for_user(user=request.user)
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"Nothing was assigned: {error}")
        return redirect(back)
    assignee = form.cleaned_data["assignee"]
    try:
        changed = cycle_services.assessment_assign(
            actor=request.user,
            assessment_ids=form.cleaned_data["assessments"],
            assignee=assignee,
        )
    except AssessmentError as exc:
        for message in getattr(exc, "fields", {}).get("assignee", []) or [exc.message]:
            messages.error(request, f"Nothing was assigned: {message}")
        return redirect(back)
    n, who = len(changed), assignee.get_full_name() or assignee.username
    unchanged = len(form.cleaned_data["assessments"]) - n
    note = f" ({unchanged} already were)" if unchanged else ""
    messages.success(request, f"{n} LEA{'s' if n != 1 else ''} assigned to {who}{note}.")
    return redirect(back)
