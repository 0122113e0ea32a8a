"""Report jobs: request, reuse, render, store, sweep.

How a request can never be lost, and a report never be finished twice:

1. The job row is written first (status queued), and handed to the broker only after the
   transaction commits. If the broker is down, the row stays queued with no
   `enqueued_at`, and `report_sweep` (beat task and management command) hands it over
   again later.
2. A worker claims the job with a conditional UPDATE (`WHERE version = n`) that sets it
   running and records its Celery task id. Every later write of that attempt is
   conditional on the version it holds, so a stale attempt can never overwrite a newer one.
   (Claim, progress, finish, fail and the stale sweep are the shared job lifecycle's,
   `jobs.services`; this module says what a report job does between them.)
3. Tasks are acknowledged late and rejected (requeued) when the worker process dies, so a
   render killed half-way is delivered again. The redelivered message carries the same
   task id as the claim, which tells the new attempt that the old one is gone and it may
   take the job over. A second message for the same job with another id (the sweep
   re-sent a job that was only waiting in a long queue) finds it running and does
   nothing; a message for a job that is done or failed does nothing either.
4. While an attempt renders, a thread beside it records a heartbeat every
   JOB_HEARTBEAT_SECONDS (`jobs.services.job_heartbeat`). A running job whose heartbeat is
   older than JOB_STALE_SECONDS lost its worker (killed outright, or stopped at the hard
   time limit) without its message coming back: the sweep, every JOB_SWEEP_SECONDS,
   queues it again, up to MAX_ATTEMPTS attempts in all; after that it fails with a plain
   message. A Redis broker that restarted may have lost the messages it held: the sweep
   notices (`jobs.broker.broker_restart_seen`) and sends every queued job again.
"""

import contextlib
import hashlib
import json
import logging
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar, cast

from celery.exceptions import SoftTimeLimitExceeded
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from assessments.models import Assessment, AssessmentCycle
from cbe_portal.notices import notify_report_ready
from directory.models import LEA, State
from jobs.broker import broker_refuses, broker_restart_seen
from jobs.models import JobStatus
from jobs.services import (
    job_claim,
    job_fail,
    job_finish,
    job_give_up,
    job_heartbeat,
    job_progress,
    job_release,
    job_requeue,
    job_sweep_stale,
)

from .models import ReportBatch, ReportBatchZip, ReportJob
from .rendering import (
    RenderedPdf,
    lea_report_pdf,
    plan_report_pdf,
    state_report_pdf,
    template_fingerprint,
)
from .selectors import (
    assessment_for_report,
    batch_zip_digest,
    batch_zip_members,
    lea_report_context,
    plan_report_context,
    state_report_context,
)
from .tasks import TRANSIENT_ERRORS, report_batch_zip, report_render

logger = logging.getLogger(__name__)
T = TypeVar("T")

MAX_ATTEMPTS = 3

# What users read when a report fails. Plain words, no stack traces.
NO_ASSESSMENT = "This LEA has no needs assessment in this cycle yet, so there is nothing to report."
TOO_SLOW = (
    "Preparing this report took too long and was stopped. Try again; if it happens again, "
    "contact your portal administrator."
)
UNEXPECTED = (
    "Something unexpected stopped this report. Try again; if it fails again, contact your "
    "portal administrator."
)
UNAVAILABLE = (
    "The report could not be prepared because the database or file storage was not "
    "available. Try again in a few minutes."
)
GAVE_UP = (
    "The report worker stopped {n} times while preparing this report. Try again later; if "
    "it keeps failing, contact your portal administrator."
)


class ReportUnavailable(Exception):
    """The report cannot be made (for example, no assessment); the message is for users."""


# --- inputs and reuse ----------------------------------------------------------------


def inputs_hash(context: dict) -> str:
    """Digest of everything that shapes a PDF: its data and the templates that draw it."""
    canonical = json.dumps(context, sort_keys=True, default=str, separators=(",", ":"))
    digest = hashlib.sha256(template_fingerprint().encode())
    digest.update(canonical.encode())
    return digest.hexdigest()


def _lea_context(*, lea_id: int, cycle_id: int) -> dict:
    try:
        assessment = assessment_for_report(lea_id=lea_id, cycle_id=cycle_id)
    except Assessment.DoesNotExist:
        raise ReportUnavailable(NO_ASSESSMENT) from None
    return lea_report_context(assessment=assessment)


def _reusable(*, kind: str, lea_id: int | None, state_id: int, cycle_id: int, digest: str):
    """The newest job with these inputs that is done or still on its way, if any."""
    return (
        ReportJob.objects.filter(
            kind=kind,
            lea_id=lea_id,  # type: ignore[misc]  # None (a statewide job) is IS NULL
            state_id=state_id,
            cycle_id=cycle_id,
            input_hash=digest,
            status__in=[ReportJob.Status.DONE, ReportJob.Status.QUEUED, ReportJob.Status.RUNNING],
        )
        .order_by("-created_at")
        .first()
    )


def _job_create(
    *, user: User, kind: str, state_id: int, lea_id: int | None, cycle_id: int, digest: str
) -> ReportJob:
    with transaction.atomic():
        job = ReportJob.objects.create(
            kind=kind,
            state_id=state_id,
            lea_id=lea_id,
            cycle_id=cycle_id,
            requested_by=user,
            input_hash=digest,
        )
        transaction.on_commit(lambda: report_enqueue(job_id=job.id))
    return job


def report_request(*, user: User, lea: LEA, cycle: AssessmentCycle) -> ReportJob:
    """Queue an LEA report, or return the stored (or pending) one when nothing that shapes
    it has changed. Raises ReportUnavailable when the LEA has no assessment in the cycle.
    The caller has checked, through access.selectors, that the user may see the LEA."""
    return report_get_or_request(user=user, lea=lea, cycle=cycle)[0]


def report_get_or_request(
    *, user: User, lea: LEA, cycle: AssessmentCycle
) -> tuple[ReportJob, bool]:
    """`report_request`, also saying whether a new job was queued (True) or a stored or
    pending one reused (False)."""
    digest = inputs_hash(_lea_context(lea_id=lea.id, cycle_id=cycle.id))
    reusable = _reusable(
        kind=ReportJob.Kind.LEA,
        lea_id=lea.id,
        state_id=lea.state_id,
        cycle_id=cycle.id,
        digest=digest,
    )
    if reusable is not None:
        return reusable, False
    job = _job_create(
        user=user,
        kind=ReportJob.Kind.LEA,
        state_id=lea.state_id,
        lea_id=lea.id,
        cycle_id=cycle.id,
        digest=digest,
    )
    return job, True


NO_PLAN = "This LEA has no improvement plan for this cycle yet, so there is nothing to print."


def _plan_context(*, lea_id: int, cycle_id: int) -> dict:
    context = plan_report_context(lea_id=lea_id, cycle_id=cycle_id)
    if context is None:
        raise ReportUnavailable(NO_PLAN)
    return context


def report_plan_request(*, user: User, lea: LEA, cycle: AssessmentCycle) -> ReportJob:
    """Queue the LEA's plan-only PDF, or return the stored (or pending) one when the plan
    has not changed. Raises ReportUnavailable without a plan. The caller has checked,
    through access.selectors, that the user may see the plan."""
    digest = inputs_hash(_plan_context(lea_id=lea.id, cycle_id=cycle.id))
    reusable = _reusable(
        kind=ReportJob.Kind.PLAN,
        lea_id=lea.id,
        state_id=lea.state_id,
        cycle_id=cycle.id,
        digest=digest,
    )
    if reusable is not None:
        return reusable
    return _job_create(
        user=user,
        kind=ReportJob.Kind.PLAN,
        state_id=lea.state_id,
        lea_id=lea.id,
        cycle_id=cycle.id,
        digest=digest,
    )


def report_state_request(*, user: User, state: State, cycle: AssessmentCycle) -> ReportJob:
    """Queue the statewide report, or return the stored one when its inputs are unchanged.
    The caller has checked `access.selectors.user_can_request_state_report`."""
    return report_state_get_or_request(user=user, state=state, cycle=cycle)[0]


def report_state_get_or_request(
    *, user: User, state: State, cycle: AssessmentCycle
) -> tuple[ReportJob, bool]:
    """`report_state_request`, also saying whether a new job was queued."""
    digest = inputs_hash(state_report_context(state=state, cycle=cycle))
    reusable = _reusable(
        kind=ReportJob.Kind.STATE,
        lea_id=None,
        state_id=state.id,
        cycle_id=cycle.id,
        digest=digest,
    )
    if reusable is not None:
        return reusable, False
    job = _job_create(
        user=user,
        kind=ReportJob.Kind.STATE,
        state_id=state.id,
        lea_id=None,
        cycle_id=cycle.id,
        digest=digest,
    )
    return job, True


def report_batch_request(*, user: User, state: State, cycle: AssessmentCycle) -> ReportBatch:
    """One LEA report job for every LEA of the state with an assessment in the cycle.

    The rows are written in one bulk insert; the jobs go to the broker after commit. The
    inputs are hashed by the worker, which reuses a stored PDF when they are unchanged,
    so queuing a whole state costs the request a few queries, not one per LEA.
    The caller has checked `access.selectors.user_can_manage_state`."""
    lea_ids = list(
        Assessment.objects.filter(cycle=cycle, lea__state=state)
        .order_by("lea__name")
        .values_list("lea_id", flat=True)
    )
    with transaction.atomic():
        batch = ReportBatch.objects.create(state=state, cycle=cycle, requested_by=user)
        jobs = ReportJob.objects.bulk_create(
            ReportJob(
                kind=ReportJob.Kind.LEA,
                state=state,
                lea_id=lea_id,
                cycle=cycle,
                batch=batch,
                requested_by=user,
            )
            for lea_id in lea_ids
        )
        job_ids = [job.pk for job in jobs]
        transaction.on_commit(lambda: report_enqueue_many(job_ids=job_ids))
    return batch


def report_job_retry(*, job: ReportJob) -> bool:
    """Queue a failed job again, from scratch. False when it was not failed (any more)."""
    fresh = ReportJob.objects.get(pk=job.pk)
    if fresh.status != ReportJob.Status.FAILED:
        return False
    with transaction.atomic():
        if not job_requeue(job=fresh, progress=0, attempts=0, enqueued_at=None):
            return False
        transaction.on_commit(lambda: report_enqueue(job_id=fresh.pk))
    return True


def report_batch_retry_failed(*, batch: ReportBatch) -> int:
    """Queue every failed job of the batch again; returns how many."""
    return sum(
        report_job_retry(job=job) for job in batch.jobs.filter(status=ReportJob.Status.FAILED)
    )


# --- handing jobs to the broker -------------------------------------------------------


def report_enqueue(*, job_id: int) -> bool:
    """Hand one job to the broker; see `report_enqueue_many`."""
    return report_enqueue_many(job_ids=[job_id]) == 1


def report_enqueue_many(*, job_ids: list[int]) -> int:
    """Hand jobs to the broker over one connection and note when. If the broker is down
    the rows stay queued (enqueued_at unchanged) and the sweep sends them later, so no
    request is lost. Returns how many were sent."""
    from cbe_portal.celery import app

    sent: list[int] = []
    if broker_refuses(app=app):
        logger.warning("broker refuses connections; %d report jobs left queued", len(job_ids))
        return 0
    try:
        with app.producer_or_acquire() as producer:
            for job_id in job_ids:
                report_render.apply_async(args=[job_id], producer=producer, retry=False)
                sent.append(job_id)
    except Exception as exc:  # noqa: BLE001 - any broker failure: leave the rest to the sweep
        logger.warning(
            "broker unavailable (%s: %s); %d of %d report jobs left queued for the sweep",
            type(exc).__name__,
            exc,
            len(job_ids) - len(sent),
            len(job_ids),
        )
    if sent:
        ReportJob.objects.filter(pk__in=sent, status=ReportJob.Status.QUEUED).update(
            enqueued_at=timezone.now()
        )
    return len(sent)


# --- the worker's side ------------------------------------------------------------------


def _file_name(job: ReportJob) -> str:
    subject = job.lea.leaid if job.lea is not None else f"{job.state.code}-statewide"
    if job.kind == ReportJob.Kind.PLAN:
        subject = f"{subject}-plan"
    cycle = slugify(job.cycle.name)
    return f"reports/{cycle}/{subject}-{cycle}-{job.pk}-{job.attempts}.pdf"


@dataclass(frozen=True)
class RenderResult:
    job: ReportJob
    rendered: bool  # False when the job was finished, taken or reused without a render


def report_render_job(*, job_id: int, task_id: str = "") -> RenderResult:
    """Render and store one job's PDF, with progress: gathered 20%, rendered 70%, stored
    100% (and laid out 45% for the statewide report). Transient errors put the job back
    in the queue and are raised for the task to retry; other failures mark it failed in
    plain words."""
    job = ReportJob.objects.select_related("lea", "state", "cycle").get(pk=job_id)
    if not job_claim(
        job=job, task_id=task_id, max_attempts=MAX_ATTEMPTS, gave_up=GAVE_UP, progress=5
    ):
        return RenderResult(job, False)
    result = _run_claimed(job, lambda: _render_and_store(job), what="report job")
    return result or RenderResult(job, False)


def _run_claimed(job, work: Callable[[], T], *, what: str) -> T | None:
    """Run the work of a job this worker has claimed. A refusal, a time-out or a crash
    fails the job in plain words (None is returned); a transient error gives the job back
    and is raised for the task to retry after a pause (if even that fails, the sweep finds
    the job's heartbeat silent and queues it again)."""
    try:
        with job_heartbeat(job=job):
            return work()
    except ReportUnavailable as exc:
        job_fail(job=job, error=str(exc))
    except SoftTimeLimitExceeded:
        job_fail(job=job, error=TOO_SLOW)
    except TRANSIENT_ERRORS:
        with contextlib.suppress(*TRANSIENT_ERRORS):
            job_release(job=job, progress=0)
        raise
    except Exception:
        logger.exception("%s %s failed", what, job.pk)
        job_fail(job=job, error=UNEXPECTED)
    return None


def _render_and_store(job: ReportJob) -> RenderResult:
    if job.kind == ReportJob.Kind.LEA:
        context = _lea_context(lea_id=cast(int, job.lea_id), cycle_id=job.cycle_id)
    elif job.kind == ReportJob.Kind.PLAN:
        context = _plan_context(lea_id=cast(int, job.lea_id), cycle_id=job.cycle_id)
    else:
        context = state_report_context(state=job.state, cycle=job.cycle)
    digest = inputs_hash(context)

    # Same inputs as a PDF already stored (a batch re-run, a second request): reuse it.
    stored = (
        ReportJob.objects.filter(
            kind=job.kind,
            lea_id=job.lea_id,  # type: ignore[misc]  # None (a statewide job) is IS NULL
            state_id=job.state_id,
            cycle_id=job.cycle_id,
            input_hash=digest,
            status=ReportJob.Status.DONE,
        )
        .exclude(pk=job.pk)
        .exclude(file="")
        .values("file", "page_count")
        .first()
    )
    if stored:
        if job_finish(
            job=job,
            progress=100,
            input_hash=digest,
            file=stored["file"],
            page_count=stored["page_count"],
        ):
            _announce(job)
        return RenderResult(job, False)

    if not job_progress(job=job, progress=20, input_hash=digest):
        return RenderResult(job, False)

    prepared_on = timezone.localdate()
    if job.kind == ReportJob.Kind.LEA:
        pdf: RenderedPdf = lea_report_pdf(context=context, prepared_on=prepared_on)
    elif job.kind == ReportJob.Kind.PLAN:
        pdf = plan_report_pdf(context=context, prepared_on=prepared_on)
    else:
        # The statewide report can take seconds: show when its layout is done.
        pdf = state_report_pdf(
            context=context,
            prepared_on=prepared_on,
            on_laid_out=lambda pages: job_progress(job=job, progress=45),
        )
    if not job_progress(job=job, progress=70):
        return RenderResult(job, False)

    name = default_storage.save(_file_name(job), ContentFile(pdf.content))
    if not job_finish(job=job, progress=100, file=name, page_count=pdf.pages):
        default_storage.delete(name)  # another attempt took over: keep only its file
        return RenderResult(job, False)
    _announce(job)
    return RenderResult(job, True)


def _announce(job: ReportJob) -> None:
    """Have the person who asked told that the PDF is ready. The PDFs of a batch are not
    announced one by one (notifications says so too), so a batch of 2,200 reports sends
    no message at all rather than 2,200 that each come to nothing."""
    if job.batch_id is None:
        notify_report_ready(job_id=job.pk)


def report_job_give_up(*, job_id: int) -> None:
    """After the last retry of a transient error: fail the job in plain words."""
    job_give_up(job=ReportJob.objects.get(pk=job_id), error=UNAVAILABLE)


# --- the sweep -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    requeued: int  # queued jobs handed to the broker again
    restarted: int  # running jobs whose worker vanished, queued again
    failed: int  # running jobs that had used up their attempts


def report_sweep(*, queued_for: int = 900, running_for: int | None = None) -> SweepResult:
    """Send again every job queued for longer than `queued_for` seconds since it was last
    handed to the broker (or never handed over: the broker was down; or handed to a
    broker that has restarted since), and re-queue running jobs whose heartbeat is older
    than `running_for` seconds (default JOB_STALE_SECONDS): their worker died. Safe to run
    at any time and from several places: every change is a conditional update, and a job
    sent twice is rendered once."""
    from cbe_portal.celery import app

    now = timezone.now()
    after = None if running_for is None else timedelta(seconds=running_for)
    restarted, failed = job_sweep_stale(
        jobs=ReportJob.objects.all(),
        max_attempts=MAX_ATTEMPTS,
        gave_up=GAVE_UP,
        after=after,
        progress=0,
        enqueued_at=None,
    )
    zip_restarted, _zip_failed = job_sweep_stale(
        jobs=ReportBatchZip.objects.all(),
        max_attempts=MAX_ATTEMPTS,
        gave_up=ZIP_GAVE_UP,
        after=after,
        progress=0,
        enqueued_at=None,
    )
    if broker_refuses(app=app):
        # Nothing can be sent now; the next sweep after the broker returns sends it all.
        logger.warning("report sweep: the broker refuses connections, nothing sent")
        return SweepResult(requeued=0, restarted=len(restarted), failed=failed)
    sent_before = now - timedelta(seconds=queued_for)
    grace = min(5, queued_for)  # a few seconds for a request's own hand-over
    if broker_restart_seen(app=app, name="reports"):
        sent_before = now  # whatever the old broker held may be gone
    waiting = restarted + [
        pk
        for pk in _waiting(ReportJob.objects.all(), now=now, sent_before=sent_before, grace=grace)
        if pk not in restarted
    ]
    requeued = report_enqueue_many(job_ids=waiting) if waiting else 0
    zips = set(zip_restarted) | set(
        _waiting(ReportBatchZip.objects.all(), now=now, sent_before=sent_before, grace=grace)
    )
    requeued += sum(report_batch_zip_enqueue(zip_id=pk) for pk in sorted(zips))
    if requeued or restarted or failed:
        logger.info(
            "report sweep: %d sent again, %d restarted, %d failed",
            requeued,
            len(restarted) + len(zip_restarted),
            failed,
        )
    return SweepResult(requeued=requeued, restarted=len(restarted), failed=failed)


def _waiting(jobs, *, now: datetime, sent_before: datetime, grace: int) -> list[int]:
    """Queued jobs the broker never got (after `grace` seconds for a request whose own
    hand-over is under way) or got before `sent_before`, oldest first."""
    return list(
        jobs.filter(status=JobStatus.QUEUED)
        .filter(
            Q(enqueued_at__isnull=True, created_at__lte=now - timedelta(seconds=grace))
            | Q(enqueued_at__lt=sent_before)
        )
        .order_by(F("enqueued_at").asc(nulls_first=True), "created_at")
        .values_list("pk", flat=True)
    )


# --- a batch's PDFs as one zip ---------------------------------------------------------

NOTHING_TO_ZIP = "No report of this batch is ready yet, so there is nothing to put in a zip."
ZIP_GAVE_UP = (
    "The report worker stopped {n} times while making this zip. Try again later; if it "
    "keeps failing, contact your portal administrator."
)
ZIP_UNAVAILABLE = (
    "The zip could not be made because the database or file storage was not available. "
    "Try again in a few minutes."
)


def report_batch_zip_request(*, user: User, batch: ReportBatch) -> ReportBatchZip:
    """Queue a zip of the batch's finished PDFs, or return the zip (done or on its way)
    that already holds exactly those PDFs. Raises ReportUnavailable when none is done.
    The caller found the batch through `access.selectors.batch_list_for_user`."""
    members = batch_zip_members(batch=batch)
    if not members:
        raise ReportUnavailable(NOTHING_TO_ZIP)
    digest = batch_zip_digest(members=members)
    reusable = (
        batch.zips.filter(
            input_hash=digest,
            status__in=[
                ReportBatchZip.Status.DONE,
                ReportBatchZip.Status.QUEUED,
                ReportBatchZip.Status.RUNNING,
            ],
        )
        .order_by("-created_at")
        .first()
    )
    if reusable is not None:
        return reusable
    with transaction.atomic():
        batch_zip = ReportBatchZip.objects.create(
            batch=batch, requested_by=user, input_hash=digest, file_count=len(members)
        )
        transaction.on_commit(lambda: report_batch_zip_enqueue(zip_id=batch_zip.pk))
    return batch_zip


def report_batch_zip_enqueue(*, zip_id: int) -> bool:
    """Hand the zip job to the broker; when it cannot be reached the row stays queued
    and the sweep sends it later."""
    from cbe_portal.celery import app

    if broker_refuses(app=app):
        logger.warning("broker refuses connections; zip job %s left queued", zip_id)
        return False
    try:
        report_batch_zip.apply_async(args=[zip_id], retry=False)
    except Exception as exc:  # noqa: BLE001 - any broker failure: the sweep sends it later
        logger.warning("broker unavailable (%s); zip job %s left queued", exc, zip_id)
        return False
    ReportBatchZip.objects.filter(pk=zip_id, status=ReportBatchZip.Status.QUEUED).update(
        enqueued_at=timezone.now()
    )
    return True


def report_batch_zip_build(*, zip_id: int, task_id: str = "") -> bool:
    """Write the batch's finished PDFs into one zip, with progress, and store it. The
    PDFs are those done when the worker starts (a report retried since the request is
    included). Returns True when this attempt stored the zip."""
    batch_zip = ReportBatchZip.objects.select_related("batch__state", "batch__cycle").get(pk=zip_id)
    if not job_claim(
        job=batch_zip,
        task_id=task_id,
        max_attempts=MAX_ATTEMPTS,
        gave_up=ZIP_GAVE_UP,
        progress=1,
    ):
        return False
    return bool(_run_claimed(batch_zip, lambda: _zip_and_store(batch_zip), what="zip job"))


def _zip_and_store(batch_zip: ReportBatchZip) -> bool:
    batch = batch_zip.batch
    members = batch_zip_members(batch=batch)
    if not members:
        raise ReportUnavailable(NOTHING_TO_ZIP)
    digest = batch_zip_digest(members=members)
    # About twenty progress writes however large the batch: each is a heartbeat too.
    step = max(1, len(members) // 20)
    with tempfile.TemporaryFile() as spool:
        # PDFs are compressed already: storing them costs nothing and deflating gains little.
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
            for done, member in enumerate(members, start=1):
                with default_storage.open(member.stored_name, "rb") as pdf:
                    archive.writestr(member.archive_name, pdf.read())
                if done % step == 0 and not job_progress(
                    job=batch_zip, progress=min(95, 1 + 94 * done // len(members))
                ):
                    return False  # another attempt took the job over
        size = spool.tell()
        spool.seek(0)
        name = default_storage.save(
            f"reports/zips/{batch.state.code}-batch-{batch.pk}-{batch_zip.pk}.zip",
            File(spool, name="batch.zip"),
        )
    if not job_finish(
        job=batch_zip,
        progress=100,
        file=name,
        file_count=len(members),
        size=size,
        input_hash=digest,
    ):
        default_storage.delete(name)
        return False
    return True


def report_batch_zip_give_up(*, zip_id: int) -> None:
    """After the last retry of a transient error: fail the zip job in plain words."""
    job_give_up(job=ReportBatchZip.objects.get(pk=zip_id), error=ZIP_UNAVAILABLE)
