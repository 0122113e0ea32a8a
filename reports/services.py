"""Report jobs: request, reuse, render, store."""

import hashlib
import json

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from readiness.models import LEA, AssessmentCycle, User

from .models import ReportJob


def _lea_report_inputs(*, lea: LEA, cycle: AssessmentCycle) -> dict:
    """Everything that shapes an LEA's PDF, as plain data (hashed to decide reuse)."""
    from readiness.models import Answer

    answers = list(
        Answer.objects.filter(assessment__lea=lea, assessment__cycle=cycle)
        .order_by("indicator__position")
        .values_list("indicator__code", "rating", "dont_know", "evidence", "version")
    )
    return {
        "template_version": 1,
        "lea": [lea.leaid, lea.name, lea.locale, lea.enrollment],
        "cycle": [cycle.id, cycle.name, cycle.framework.content_hash],
        "answers": answers,
    }


def inputs_hash(inputs: dict) -> str:
    canonical = json.dumps(inputs, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def report_request(*, user: User, lea: LEA, cycle: AssessmentCycle) -> ReportJob:
    """Queue an LEA report, or return the stored one when nothing that shapes it changed."""
    digest = inputs_hash(_lea_report_inputs(lea=lea, cycle=cycle))
    reusable = (
        ReportJob.objects.filter(
            kind=ReportJob.Kind.LEA,
            lea=lea,
            cycle=cycle,
            input_hash=digest,
            status__in=[ReportJob.Status.DONE, ReportJob.Status.QUEUED, ReportJob.Status.RUNNING],
        )
        .order_by("-created_at")
        .first()
    )
    if reusable is not None:
        return reusable
    with transaction.atomic():
        job = ReportJob.objects.create(
            kind=ReportJob.Kind.LEA,
            state_id=lea.state_id,
            lea=lea,
            cycle=cycle,
            requested_by=user,
            input_hash=digest,
        )
        transaction.on_commit(lambda: report_enqueue(job_id=job.id))
    return job


def report_enqueue(*, job_id: int) -> None:
    """Hand the job to the broker. If the broker is down the row stays queued and the
    periodic sweep sends it again, so the request is never lost."""
    from .tasks import report_render

    try:
        report_render.apply_async(args=[job_id], retry=False)
    except Exception:  # noqa: BLE001 - any broker failure means: leave it for the sweep
        import logging

        logging.getLogger(__name__).warning("broker unavailable; job %s left queued", job_id)


def _job_update(job: ReportJob, **fields) -> bool:
    """Conditional update on the job's version, so a stale worker never overwrites."""
    fields["version"] = job.version + 1
    updated = ReportJob.objects.filter(pk=job.pk, version=job.version).update(**fields)
    if updated:
        for key, value in fields.items():
            setattr(job, key, value)
    return bool(updated)


def report_render_job(*, job_id: int) -> ReportJob:
    from .rendering import render_lea_report

    job = ReportJob.objects.select_related("lea", "state", "cycle__framework").get(pk=job_id)
    if job.status == ReportJob.Status.DONE:
        return job
    _job_update(
        job,
        status=ReportJob.Status.RUNNING,
        started_at=timezone.now(),
        progress=10,
        attempts=job.attempts + 1,
    )
    pdf, pages = render_lea_report(job=job)
    name = f"{job.lea.leaid}-{job.cycle.name}-{job.input_hash[:12]}.pdf"
    job.file.save(name, ContentFile(pdf), save=False)
    _job_update(
        job,
        status=ReportJob.Status.DONE,
        progress=100,
        file=job.file.name,
        page_count=pages,
        finished_at=timezone.now(),
        error="",
    )
    return job
