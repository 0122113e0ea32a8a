"""Importing LEAs from an NCES file: upload, preview, confirm, watch the worker.

Who may import comes from access.selectors.import_rights_for_user (built on the
scoping selectors); a user without the right gets 403 on the upload page, and a job they
may not see is a 404 like anything else out of scope.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from access.selectors import import_job_list_for_user, import_rights_for_user
from audit.services import Kind, access_event_record

from .ccd import LEA_FIELDS, STATE_NAMES
from .forms import CcdUploadForm
from .models import LEA, ImportJob
from .services import (
    SHOWN_ROWS,
    Confirm,
    import_job_confirm,
    import_job_create,
    import_job_is_stalled,
    import_job_progress,
)

RECENT_JOBS = 20
ACTIVE = (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)


def _rights(request):
    rights = import_rights_for_user(user=request.user)
    if not rights.may_import:
        raise PermissionDenied("Only national and state administrators import LEAs.")
    return rights


def _job_for_user(request, job_id: int) -> ImportJob:
    return get_object_or_404(import_job_list_for_user(user=request.user), pk=job_id)


@login_required
def upload(request):
    rights = _rights(request)
    form = CcdUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            job = import_job_create(
                user=request.user, upload=form.cleaned_data["file"], allowed_states=rights.states
            )
            access_event_record(
                request=request,
                kind=Kind.IMPORT_UPLOAD,
                detail=f"import {job.pk}: {job.original_name}",
            )
        return redirect("imports:job_detail", job_id=job.pk)
    return render(
        request,
        "directory/import_upload.html",
        {
            "form": form,
            "state_names": [STATE_NAMES[code] for code in sorted(rights.states or ())],
            "jobs": import_job_list_for_user(user=request.user)[:RECENT_JOBS],
        },
        status=400 if form.is_bound else 200,
    )


@login_required
def job_detail(request, job_id: int):
    _rights(request)
    job = _job_for_user(request, job_id)
    done, total = import_job_progress(job=job)
    if job.status == ImportJob.Status.DONE:
        summary = job.result
    elif job.status == ImportJob.Status.FAILED:
        summary = {}
    else:
        summary = job.preview
    details = job.result if job.result.get("problems") else job.preview
    return render(
        request,
        "directory/import_job.html",
        {
            "job": job,
            "summary": _for_display(summary) if summary.get("counts") else None,
            "problems": details.get("problems", []),
            "problem_count": details.get("problem_count", 0),
            "failure_message": details.get("message") or job.error,
            "status_message": _status_message(job),
            "done": done,
            "total": total,
            "count_text": _count_text(done, total),
            "percent": _percent(done, total),
            "active": job.status in ACTIVE,
            "stalled": import_job_is_stalled(job=job),
            "shown_rows": SHOWN_ROWS,
        },
    )


@login_required
@require_POST
def job_confirm(request, job_id: int):
    _rights(request)
    job = _job_for_user(request, job_id)
    with transaction.atomic():
        outcome = import_job_confirm(job=job)
        access_event_record(
            request=request,
            kind=Kind.IMPORT_CONFIRM,
            detail=f"import {job.pk}: {job.original_name} ({outcome})",
        )
    if outcome == Confirm.QUEUED:
        messages.success(request, "The import has started. This page shows its progress.")
    elif outcome == Confirm.QUEUE_DOWN:
        messages.warning(request, "The import is queued but could not start yet.")
    else:
        messages.info(request, "This import was already started.")
    return redirect("imports:job_detail", job_id=job.pk)


@login_required
def job_status(request, job_id: int):
    _rights(request)
    job = _job_for_user(request, job_id)
    done, total = import_job_progress(job=job)
    return JsonResponse(
        {
            "status": job.status,
            "label": job.get_status_display(),
            "done": done,
            "total": total,
            "percent": _percent(done, total),
            "message": _status_message(job),
            "count": _count_text(done, total),
            "error": job.error,
            "finished": job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED),
            # The page is drawn for an active job; once finished it has more to show.
            "page": "active" if job.status in ACTIVE else job.status,
        }
    )


def _percent(done: int, total: int) -> int:
    return int(100 * done / total) if total else 0


def _status_message(job: ImportJob) -> str:
    """The sentence of the page's status line, for the page and its polling script alike."""
    if job.status == ImportJob.Status.QUEUED:
        return job.error or "Waiting for the background worker to start the import."
    if job.status == ImportJob.Status.RUNNING:
        if import_job_is_stalled(job=job):
            return (
                "The worker running this import seems to have stopped. Nothing it did was "
                "kept; start the import again."
            )
        return (
            "Importing. The whole file is written at once, so LEA pages show the new data "
            "when the import is finished."
        )
    if job.status == ImportJob.Status.DONE:
        return "The import is finished."
    if job.status == ImportJob.Status.FAILED:
        return f"The import failed: {job.error}"
    return "Not started: check the preview, then confirm."


def _count_text(done: int, total: int) -> str:
    return f"{done:,} of {total:,} rows"


# --- showing a preview or result -----------------------------------------------------------

_LABELS = {name: str(LEA._meta.get_field(name).verbose_name) for name in LEA_FIELDS} | {
    "state": "state",
    "ccd_school_year": "CCD school year",
}
_CHOICES = {name: dict(LEA._meta.get_field(name).flatchoices) for name in ("status", "locale")}


def _shown(name: str, value) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name in _CHOICES:
        return str(_CHOICES[name].get(value, value))
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _for_display(summary: dict) -> dict:
    """The stored summary with each change as (field label, before, after) for the page."""
    shown = dict(summary)
    for key in ("updated", "closed", "skipped_older"):
        rows = []
        for change in summary.get(key, []):
            row = dict(change)
            row["change_list"] = [
                (_LABELS.get(name, name.replace("_", " ")), _shown(name, old), _shown(name, new))
                for name, (old, new) in change.get("changes", {}).items()
            ]
            rows.append(row)
        shown[key] = rows
    counts = summary.get("counts", {})
    shown["more"] = {
        key: max(0, counts.get(key, 0) - len(summary.get(key, [])))
        for key in ("created", "updated", "closed", "rejected", "warnings", "skipped_older")
    }
    return shown
