"""Report pages: request, watch, download. Every lookup goes through the scoping
selectors (access.selectors, reports.selectors); anything a user may not see is a 404."""

import dataclasses

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from access import selectors
from assessments.results import lea_results
from assessments.selectors import assessment_district_differences
from audit.services import Kind, access_event_record
from cbe_portal.storage import StorageUnavailable
from charts import domain_score_chart
from policies.selectors import lea_alignment

from . import selectors as report_selectors
from .models import ReportBatch, ReportBatchZip, ReportJob
from .services import (
    ReportUnavailable,
    report_batch_request,
    report_batch_retry_failed,
    report_batch_zip_request,
    report_job_retry,
    report_plan_request,
    report_request,
    report_state_request,
)

# Seconds a browser is told to wait before trying a download again when the store is down.
STORAGE_RETRY_AFTER = 30


def _job_for_user(request, job_id: int) -> ReportJob:
    return get_object_or_404(selectors.report_job_list_for_user(user=request.user), pk=job_id)


def _batch_for_user(request, batch_id: int) -> ReportBatch:
    return get_object_or_404(selectors.batch_list_for_user(user=request.user), pk=batch_id)


def _cycle_from_post(request):
    """The cycle named in the form, among those the user may see; 404 otherwise."""
    try:
        cycle_id = int(request.POST.get("cycle", ""))
    except ValueError:
        raise Http404("No such cycle.") from None
    return get_object_or_404(selectors.cycle_list_for_user(user=request.user), pk=cycle_id)


@login_required
def job_list(request):
    jobs = Paginator(
        selectors.report_job_list_for_user(user=request.user).order_by("-created_at", "-pk"), 50
    ).get_page(request.GET.get("page"))
    cycles = list(
        selectors.cycle_list_for_user(user=request.user).order_by("state__name", "-starts_on")
    )
    state_cycles = [
        c
        for c in cycles
        if selectors.user_can_request_state_report(user=request.user, state=c.state)
    ]
    batch_cycles = [
        c for c in cycles if selectors.user_can_manage_state(user=request.user, state=c.state)
    ]
    batches = selectors.batch_list_for_user(user=request.user)[:10]
    # Which of the page's batch rows may link to their batch: one query for the page.
    batch_ids = {job.batch_id for job in jobs if job.batch_id}
    visible_batches = (
        set(
            selectors.batch_list_for_user(user=request.user)
            .filter(pk__in=batch_ids)
            .values_list("pk", flat=True)
        )
        if batch_ids
        else set()
    )
    return render(
        request,
        "reports/job_list.html",
        {
            "jobs": jobs,
            "page_obj": jobs,
            "page_range": jobs.paginator.get_elided_page_range(
                jobs.number, on_each_side=1, on_ends=1
            ),
            "state_cycles": state_cycles,
            "batch_cycles": batch_cycles,
            "batches": batches,
            "visible_batches": visible_batches,
        },
    )


def _alert_class(job: ReportJob) -> str:
    if job.status == ReportJob.Status.FAILED:
        return "usa-alert--error"
    return "usa-alert--success" if job.status == ReportJob.Status.DONE else "usa-alert--info"


def _phase(job: ReportJob) -> str:
    """What changes the page's status line: while running only the percent moves, and
    that is shown beside it, so screen readers are not told every step."""
    return "running" if job.status == ReportJob.Status.RUNNING else job.status_message


def _status_payload(job: ReportJob) -> dict:
    return {
        "status": job.status,
        "label": job.get_status_display(),
        "message": job.status_message,
        "progress": job.progress,
        "error": job.error,
        "finished": job.is_finished,
        "download_url": reverse("reports:job_download", args=[job.pk])
        if job.status == ReportJob.Status.DONE
        else None,
        # For the page's poller: a failure reloads it (to show "Try again").
        "page": "failed" if job.status == ReportJob.Status.FAILED else "live",
        "phase": _phase(job),
        "alert": _alert_class(job),
        "progress_text": f"{job.progress}%",
    }


@login_required
def job_detail(request, job_id: int):
    job = _job_for_user(request, job_id)
    return render(
        request,
        "reports/job_detail.html",
        {
            "job": job,
            "alert_class": _alert_class(job),
            "phase": _phase(job),
            "can_retry": selectors.user_can_retry_report(user=request.user, job=job),
            "batch_visible": bool(job.batch_id)
            and selectors.batch_list_for_user(user=request.user).filter(pk=job.batch_id).exists(),
        },
    )


@login_required
def job_status(request, job_id: int):
    return JsonResponse(_status_payload(_job_for_user(request, job_id)))


def _storage_unavailable(request):
    """The file store did not answer: say so, and that the file is safe, instead of a 500."""
    response = render(request, "reports/storage_unavailable.html", status=503)
    response["Retry-After"] = str(STORAGE_RETRY_AFTER)
    return response


@login_required
def job_download(request, job_id: int):
    job = _job_for_user(request, job_id)
    try:
        pdf = report_selectors.report_job_file(job=job)
    except StorageUnavailable:
        return _storage_unavailable(request)
    if pdf is None:
        raise Http404("This report is not ready yet.")
    access_event_record(
        request=request, kind=Kind.REPORT_DOWNLOAD, detail=f"PDF report {job.pk}: {pdf.filename}"
    )
    return FileResponse(
        pdf.file, as_attachment=True, filename=pdf.filename, content_type="application/pdf"
    )


@login_required
@require_POST
def job_retry(request, job_id: int):
    job = _job_for_user(request, job_id)
    if not selectors.user_can_retry_report(user=request.user, job=job):
        raise Http404("This report cannot be retried.")
    if report_job_retry(job=job):
        messages.success(request, "The report is queued again.")
    if job.batch_id and request.POST.get("next") == "batch":
        return redirect("reports:batch_detail", batch_id=job.batch_id)
    return redirect("reports:job_detail", job_id=job.pk)


@login_required
@require_POST
def lea_report_request(request, leaid: str, cycle_id: int):
    lea = selectors.lea_get_for_user(user=request.user, leaid=leaid)
    cycle = get_object_or_404(
        selectors.cycle_list_for_user(user=request.user), pk=cycle_id, state_id=lea.state_id
    )
    try:
        job = report_request(user=request.user, lea=lea, cycle=cycle)
    except ReportUnavailable as exc:
        messages.error(request, str(exc))
        return redirect("readiness:lea_detail", leaid=lea.leaid)
    return redirect("reports:job_detail", job_id=job.id)


@login_required
@require_POST
def plan_report_request(request, leaid: str, cycle_id: int):
    """The plan-only PDF, queued like the readiness report (reused when unchanged)."""
    plan = selectors.plan_get_for_lea_cycle(user=request.user, leaid=leaid, cycle_id=cycle_id)
    try:
        job = report_plan_request(user=request.user, lea=plan.lea, cycle=plan.cycle)
    except ReportUnavailable as exc:
        messages.error(request, str(exc))
        return redirect("plans:plan", leaid=plan.lea.leaid, cycle_id=plan.cycle_id)
    return redirect("reports:job_detail", job_id=job.id)


@login_required
@require_POST
def state_report_request(request):
    cycle = _cycle_from_post(request)
    if not selectors.user_can_request_state_report(user=request.user, state=cycle.state):
        raise Http404("No such report.")
    job = report_state_request(user=request.user, state=cycle.state, cycle=cycle)
    return redirect("reports:job_detail", job_id=job.id)


@login_required
@require_POST
def batch_request(request):
    cycle = _cycle_from_post(request)
    if not selectors.user_can_manage_state(user=request.user, state=cycle.state):
        raise Http404("No such report.")
    batch = report_batch_request(user=request.user, state=cycle.state, cycle=cycle)
    if not batch.jobs.exists():
        messages.info(request, "No LEA has a needs assessment in this cycle yet.")
    return redirect("reports:batch_detail", batch_id=batch.pk)


@login_required
def batch_detail(request, batch_id: int):
    batch = _batch_for_user(request, batch_id)
    jobs = selectors.batch_job_list_for_user(user=request.user, batch=batch)
    failed = jobs.filter(status=ReportJob.Status.FAILED).order_by("lea__name")
    progress = report_selectors.batch_progress(batch=batch)
    # The zip is offered once every report has finished: one poller per page, and the
    # batch's own stops then.
    batch_zip = (
        report_selectors.batch_zip_for_page(batch=batch)
        if progress["finished"] and progress["done"]
        else None
    )
    return render(
        request,
        "reports/batch_detail.html",
        {
            "batch": batch,
            "progress": progress,
            "page": _batch_page(progress),
            "failed": failed,
            "done": jobs.filter(status=ReportJob.Status.DONE).order_by("lea__name")[:2000],
            "batch_zip": batch_zip,
            "zip_alert": _zip_alert(batch_zip) if batch_zip else "",
            "zip_name": report_selectors.batch_zip_filename(batch=batch),
        },
    )


@login_required
def batch_status(request, batch_id: int):
    batch = _batch_for_user(request, batch_id)
    progress = report_selectors.batch_progress(batch=batch)
    return JsonResponse(
        {
            **progress,
            # For the page's poller: the words it shows, and when to reload (finished,
            # or a new failure, so the list of failures with "Try again" appears).
            "page": _batch_page(progress),
            "done_text": f"{progress['done']:,}",
            "percent_text": f"{progress['percent']}%",
            "detail": f"{progress['running']} being prepared, {progress['queued']} waiting.",
            "announce": f"{progress['done']:,} of {progress['total']:,} reports ready.",
            "tenth": progress["percent"] // 10,
        }
    )


def _batch_page(progress: dict) -> str:
    return "finished" if progress["finished"] else f"failed:{progress['failed']}"


@login_required
@require_POST
def batch_retry(request, batch_id: int):
    batch = _batch_for_user(request, batch_id)
    count = report_batch_retry_failed(batch=batch)
    messages.success(request, f"{count} failed report{'s' if count != 1 else ''} queued again.")
    return redirect("reports:batch_detail", batch_id=batch.pk)


def _zip_for_user(request, batch_id: int, zip_id: int) -> ReportBatchZip:
    return get_object_or_404(
        selectors.batch_zip_list_for_user(user=request.user), pk=zip_id, batch_id=batch_id
    )


def _zip_alert(batch_zip: ReportBatchZip) -> str:
    if batch_zip.status == ReportBatchZip.Status.FAILED:
        return "usa-alert--error"
    if batch_zip.status == ReportBatchZip.Status.DONE:
        return "usa-alert--success"
    return "usa-alert--info"


@login_required
@require_POST
def batch_zip_request(request, batch_id: int):
    batch = _batch_for_user(request, batch_id)
    try:
        report_batch_zip_request(user=request.user, batch=batch)
    except ReportUnavailable as exc:
        messages.error(request, str(exc))
    return redirect(reverse("reports:batch_detail", args=[batch.pk]) + "#batch-zip")


@login_required
def batch_zip_status(request, batch_id: int, zip_id: int):
    batch_zip = _zip_for_user(request, batch_id, zip_id)
    done = batch_zip.status == ReportBatchZip.Status.DONE
    return JsonResponse(
        {
            "status": batch_zip.status,
            "message": batch_zip.status_message,
            "progress": batch_zip.progress,
            "progress_text": f"{batch_zip.progress}%",
            "finished": batch_zip.is_finished,
            # The poller reloads the page when the zip is done or failed: the server
            # draws the download link or the "try again" button.
            "page": "finished" if batch_zip.is_finished else "live",
            "phase": "running" if batch_zip.status == ReportBatchZip.Status.RUNNING else "queued",
            "alert": _zip_alert(batch_zip),
            "download_url": reverse("reports:batch_zip_download", args=[batch_id, zip_id])
            if done
            else None,
        }
    )


@login_required
def batch_zip_download(request, batch_id: int, zip_id: int):
    batch_zip = _zip_for_user(request, batch_id, zip_id)
    try:
        stored = report_selectors.batch_zip_file(batch_zip=batch_zip)
    except StorageUnavailable:
        return _storage_unavailable(request)
    if stored is None:
        raise Http404("This zip is not ready yet.")
    access_event_record(
        request=request,
        kind=Kind.REPORT_DOWNLOAD,
        detail=f"zip of batch {batch_id} reports: {stored.filename}",
    )
    return FileResponse(
        stored.file, as_attachment=True, filename=stored.filename, content_type="application/zip"
    )


# The LEA results page is the on-screen form of the LEA report: the assessment's scores
# beside its state's policy alignment, so it sits here, above assessments and policies.
@login_required
def lea_results_page(request, leaid: str, cycle_id: int):
    assessment = selectors.assessment_get_for_lea_cycle(
        user=request.user, leaid=leaid, cycle_id=cycle_id
    )
    results = lea_results(assessment=assessment)
    domain_chart = domain_score_chart(
        lea_name=assessment.lea.name,
        cycle_name=assessment.cycle.name,
        locale_label=assessment.lea.get_locale_display(),
        previous_cycle=results.previous_cycle,
        domains=[dataclasses.asdict(d) for d in results.domains],
    )
    return render(
        request,
        "reports/lea_results.html",
        {
            "results": results,
            "lea": assessment.lea,
            "cycle": assessment.cycle,
            "assessment": assessment,
            "alignment": lea_alignment(assessment=assessment),
            "domain_chart": domain_chart,
            "district_differences": assessment_district_differences(
                assessment=assessment,
                answers={row.code: row for row in results.answers},
                ratings=results.district_ratings,
            ),
            "plan": selectors.plan_list_for_user(user=request.user)
            .filter(lea_id=assessment.lea_id, cycle_id=assessment.cycle_id)
            .first(),
            "can_prioritise": selectors.user_can_set_priorities(
                user=request.user, lea=assessment.lea
            ),
        },
    )
