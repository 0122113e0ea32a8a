"""Importing LEAs from an NCES file: upload, preview (in a worker), confirm, watch the worker.

Who may import comes from access.selectors.import_rights_for_user (built on the
scoping selectors); a user without the right gets 403 on the upload page, and a job they
may not see is a 404 like anything else out of scope.

The upload view reads the request body itself, through LimitedUploadHandler, so it is
exempt from the CSRF middleware (which would read the body first) and checks the token
with csrf_protect once its handler is in place, as Django's documentation describes.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from access.selectors import import_job_list_for_user, import_rights_for_user
from audit.services import Kind, access_event_record

from .ccd import LEA_FIELDS, STATE_NAMES
from .forms import CcdUploadForm, CloseCountForm, CloseMissingForm, LimitedUploadHandler
from .models import LEA, ImportJob
from .services import (
    IMPORT_MAX_BYTES,
    SHOWN_ROWS,
    Confirm,
    import_job_cancel,
    import_job_closures,
    import_job_confirm,
    import_job_create,
    import_job_is_stalled,
    import_job_progress,
)

RECENT_JOBS = 20
ACTIVE = (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)
ENDED = (
    ImportJob.Status.DONE,
    ImportJob.Status.FAILED,
    ImportJob.Status.CANCELLED,
    ImportJob.Status.EXPIRED,
)


def _rights(request):
    rights = import_rights_for_user(user=request.user)
    if not rights.may_import:
        raise PermissionDenied("Only national and state administrators import LEAs.")
    return rights


def _job_for_user(request, job_id: int) -> ImportJob:
    return get_object_or_404(import_job_list_for_user(user=request.user), pk=job_id)


@csrf_exempt
@login_required
def upload(request):
    rights = _rights(request)  # before a byte of the body is read
    handler = None
    if request.method == "POST":
        handler = LimitedUploadHandler(request, max_bytes=IMPORT_MAX_BYTES)
        request.upload_handlers = [handler]
    return _upload(request, rights, handler)


@csrf_protect
def _upload(request, rights, handler: LimitedUploadHandler | None):
    if request.method == "POST":
        form = CcdUploadForm(
            request.POST, request.FILES, too_large=bool(handler and handler.refused)
        )
    else:
        form = CcdUploadForm()
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
            "abandoned_hours": settings.IMPORT_ABANDONED_HOURS,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def job_detail(request, job_id: int):
    _rights(request)
    return _job_page(request, _job_for_user(request, job_id))


def _job_page(request, job: ImportJob, *, close_form: CloseMissingForm | None = None):
    done, total = import_job_progress(job=job)
    if job.status == ImportJob.Status.DONE:
        summary = job.result
    elif job.status == ImportJob.Status.PREVIEWED or (
        job.phase == ImportJob.Phase.IMPORT and job.status in ACTIVE
    ):
        summary = job.preview
    else:
        summary = {}
    details = job.result if job.result.get("problems") else job.preview
    missing = job.preview.get("missing") or {} if job.status == ImportJob.Status.PREVIEWED else {}
    if close_form is None and missing:
        close_form = CloseMissingForm(missing=missing)
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
            "previewing": job.is_previewing,
            "stalled": import_job_is_stalled(job=job),
            "shown_rows": SHOWN_ROWS,
            "missing": _missing_for_display(missing),
            "close_form": close_form if close_form and close_form.missing else None,
            "confirmed_closing": _confirmed_closing(job),
        },
        status=400 if close_form is not None and close_form.is_bound else 200,
    )


@login_required
@require_POST
def job_confirm(request, job_id: int):
    """Import a previewed job without closing any LEA (or start a waiting one again)."""
    _rights(request)
    job = _job_for_user(request, job_id)
    with transaction.atomic():
        outcome = import_job_confirm(job=job)
        access_event_record(
            request=request,
            kind=Kind.IMPORT_CONFIRM,
            detail=f"import {job.pk}: {job.original_name} ({outcome})",
        )
    _say(request, outcome)
    return redirect("imports:job_detail", job_id=job.pk)


@login_required
def job_close(request, job_id: int):
    """The closing step: the LEAs the ticked states would lose, by name, and a field for
    their number. GET comes from the preview's form; POST confirms and queues the import."""
    _rights(request)
    job = _job_for_user(request, job_id)
    if job.status != ImportJob.Status.PREVIEWED:
        messages.info(request, "This import is no longer waiting for its preview to be confirmed.")
        return redirect("imports:job_detail", job_id=job.pk)
    missing = job.preview.get("missing") or {}
    states = CloseMissingForm(
        request.GET if request.method == "GET" else request.POST, missing=missing
    )
    if not states.is_valid():
        return _job_page(request, job, close_form=states)
    complete_for = states.cleaned_data["complete_for"]
    partial_ok = states.cleaned_data["partial_ok"]
    leas = import_job_closures(job=job, complete_for=complete_for, partial_ok=partial_ok)
    count_form = CloseCountForm(
        request.POST if request.method == "POST" else None, expected=len(leas)
    )
    if request.method == "POST" and count_form.is_valid():
        count = count_form.cleaned_data["count"]
        with transaction.atomic():
            outcome = import_job_confirm(
                job=job, complete_for=complete_for, partial_ok=partial_ok, expected_closures=count
            )
            access_event_record(
                request=request,
                kind=Kind.IMPORT_CONFIRM,
                detail=f"import {job.pk}: {job.original_name}, closing {count} LEAs "
                f"in {', '.join(complete_for)} ({outcome})",
            )
        _say(request, outcome)
        return redirect("imports:job_detail", job_id=job.pk)
    return render(
        request,
        "directory/import_close.html",
        {
            "job": job,
            "leas": leas,
            "states": [STATE_NAMES.get(code, code) for code in complete_for],
            "complete_for": complete_for,
            "partial_ok": partial_ok,
            "form": count_form,
        },
        status=400 if count_form.is_bound else 200,
    )


@login_required
@require_POST
def job_cancel(request, job_id: int):
    _rights(request)
    job = _job_for_user(request, job_id)
    if import_job_cancel(job=job):
        messages.success(request, "The import was cancelled and the uploaded file deleted.")
    else:
        messages.info(request, "This import can no longer be cancelled.")
    return redirect("imports:job_detail", job_id=job.pk)


def _say(request, outcome: str) -> None:
    if outcome == Confirm.QUEUED:
        messages.success(request, "The import has started. This page shows its progress.")
    elif outcome == Confirm.QUEUE_DOWN:
        messages.warning(request, "The job is queued but could not start yet.")
    elif outcome == Confirm.CHANGED:
        messages.error(
            request,
            "The number of LEAs to close does not match the preview. Nothing was imported.",
        )
    else:
        messages.info(request, "This import was already started.")


@login_required
@require_GET
def job_status(request, job_id: int):
    _rights(request)
    job = _job_for_user(request, job_id)
    done, total = import_job_progress(job=job)
    return JsonResponse(
        {
            "status": job.status,
            "label": job.status_label,
            "done": done,
            "total": total,
            "percent": _percent(done, total),
            "message": _status_message(job),
            "count": _count_text(done, total),
            "error": job.error,
            "finished": job.status in ENDED or job.status == ImportJob.Status.PREVIEWED,
            # The page is drawn for an active job; once finished it has more to show.
            "page": "active" if job.status in ACTIVE else job.status,
        }
    )


def _percent(done: int, total: int) -> int:
    return int(100 * done / total) if total else 0


def _status_message(job: ImportJob) -> str:
    """The sentence of the page's status line, for the page and its polling script alike."""
    if job.is_previewing:
        if job.status == ImportJob.Status.QUEUED:
            return job.error or "Waiting for the background worker to read the file."
        if import_job_is_stalled(job=job):
            return "The worker reading this file seems to have stopped. Start the preview again."
        return (
            "Reading the file and working out what it would change. Nothing is saved until "
            "you confirm the preview."
        )
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
    if job.status in (ImportJob.Status.CANCELLED, ImportJob.Status.EXPIRED):
        return job.error
    return "Not started: check the preview, then confirm."


def _count_text(done: int, total: int) -> str:
    return f"{done:,} of {total:,} rows" if total else "Counting rows…"


def _missing_for_display(missing: dict) -> list[dict]:
    """Per state of the preview with operating LEAs missing from the file, for the page."""
    statuses = _CHOICES["status"]
    return [
        {
            "code": code,
            "name": STATE_NAMES.get(code, code),
            **info,
            "shown": [
                {**lea, "status_label": statuses.get(lea["status"], lea["status"])}
                for lea in info.get("leas", [])[:SHOWN_ROWS]
            ],
        }
        for code, info in sorted(missing.items())
        if info.get("count")
    ]


def _confirmed_closing(job: ImportJob) -> str:
    if job.phase != ImportJob.Phase.IMPORT or not job.complete_for:
        return ""
    return (
        f"Confirmed: the file is the complete list of {', '.join(job.complete_for)}; "
        f"{job.expected_closures or 0:,} LEA(s) missing from it are to be marked closed."
    )


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
