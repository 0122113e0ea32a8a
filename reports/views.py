from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from readiness import selectors

from .models import ReportJob
from .services import report_request


def _job_for_user(request, job_id: int) -> ReportJob:
    return get_object_or_404(selectors.report_job_list_for_user(user=request.user), pk=job_id)


@login_required
def job_list(request):
    jobs = selectors.report_job_list_for_user(user=request.user)[:100]
    return render(request, "reports/job_list.html", {"jobs": jobs})


@login_required
def job_detail(request, job_id: int):
    return render(request, "reports/job_detail.html", {"job": _job_for_user(request, job_id)})


@login_required
def job_status(request, job_id: int):
    job = _job_for_user(request, job_id)
    return JsonResponse(
        {
            "status": job.status,
            "label": job.get_status_display(),
            "progress": job.progress,
            "error": job.error,
            "finished": job.is_finished,
        }
    )


@login_required
def job_download(request, job_id: int):
    job = _job_for_user(request, job_id)
    if job.status != ReportJob.Status.DONE or not job.file:
        raise Http404("This report is not ready yet.")
    filename = f"{job.lea.leaid if job.lea_id else job.state.code}-{job.cycle.name}-readiness.pdf"
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf"
    )


@login_required
@require_POST
def lea_report_request(request, leaid: str, cycle_id: int):
    lea = selectors.lea_get_for_user(user=request.user, leaid=leaid)
    cycle = get_object_or_404(
        selectors.cycle_list_for_user(user=request.user), pk=cycle_id, state_id=lea.state_id
    )
    job = report_request(user=request.user, lea=lea, cycle=cycle)
    return redirect("reports:job_detail", job_id=job.id)
