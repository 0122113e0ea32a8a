"""CCD import jobs: upload and preview, confirm, run in a Celery worker, report progress.

1. ``import_job_create`` stores the uploaded file on a new ImportJob and runs the import as
   a dry run in the request (under a second for all 19,400 LEAs); the job keeps the
   preview (counts, the first rows of every list). A file that is refused (wrong shape,
   another state's rows) makes a failed job with the message; nothing else is written.
2. ``import_job_confirm`` moves a previewed job to queued with a conditional update on its
   version and hands it to the broker after the commit. When the broker does not answer,
   the job stays queued with a message in ``error``; the import sweep (celery beat, every
   JOB_SWEEP_SECONDS) sends it once the broker answers, and confirming again does too.
3. The worker's ``import_job_run`` claims the job (queued -> running, conditional), runs
   the real import, which is one transaction, and ends the job done with the result or
   failed with a message in plain words. A message for a job that is no longer queued
   does nothing, so a job sent twice is imported once. Claiming, finishing, failing and
   giving up are the shared job lifecycle's (``jobs.services``).
4. Progress is kept in the cache, not in the job row: ``progress(done, total)`` is called
   inside the import's transaction, where a write to the job row would stay invisible to
   the page until the commit.

Who may import: a national administrator any state's rows; a state administrator only
their own state's (``allowed_states``); nobody else. ``access.selectors.import_rights_for_user``
decides it.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from typing import Any, cast

from celery.exceptions import SoftTimeLimitExceeded
from django.contrib.auth.models import AbstractUser
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jobs.broker import broker_refuses, broker_restart_seen
from jobs.selectors import job_is_stale
from jobs.services import (
    job_claim,
    job_fail,
    job_finish,
    job_give_up,
    job_heartbeat,
    job_release,
    job_requeue,
    job_sweep_stale,
    job_update,
)

from .ccd import CcdImportError, CcdImportResult
from .importing import ccd_import
from .models import ImportJob
from .tasks import TRANSIENT_ERRORS, import_run

logger = logging.getLogger(__name__)

IMPORT_MAX_BYTES = 50 * 1024 * 1024
IMPORT_EXTENSIONS = ("csv", "txt")
# How many rows of each list (created, updated, rejected...) a job keeps for its page.
SHOWN_ROWS = 200
PROGRESS_TIMEOUT = 24 * 3600

# What users read when something goes wrong. Plain words, no stack traces.
QUEUE_DOWN = (
    "The import is waiting to start: the background job queue did not answer. Nothing has "
    "been imported yet. It starts by itself within a minute of the queue coming back; if "
    "it keeps waiting, contact your portal administrator."
)
GAVE_UP = (
    "The import worker stopped {n} times while running this import. Try again later; if "
    "it keeps failing, contact your portal administrator."
)
# Attempts in all before an import whose worker keeps vanishing fails.
MAX_ATTEMPTS = 3
TOO_SLOW = (
    "The import took too long and was stopped. Nothing was imported. Try again; if it "
    "happens again, contact your portal administrator."
)
UNEXPECTED = (
    "Something unexpected stopped the import. Nothing was imported. Try again; if it fails "
    "again, contact your portal administrator."
)
UNAVAILABLE = (
    "The import could not run because the database was not available. Nothing was "
    "imported. Try again in a few minutes."
)
FILE_GONE = "The uploaded file is no longer on the server. Upload it again."
UNREADABLE_PREVIEW = (
    "Something unexpected happened while reading this file. Nothing was imported. Check that "
    "it is a CCD or ELSI district file saved as CSV; if it is, contact your portal "
    "administrator."
)


# --- who may import, and which jobs they see ---------------------------------------------


def import_job_progress(*, job: ImportJob) -> tuple[int, int]:
    """(rows done, rows in all) for the job's page; total 0 when not known yet."""
    if job.status == ImportJob.Status.DONE:
        total = _total_rows(job.result)
        return total, total
    stored = cache.get(_progress_key(job.pk)) if job.status == ImportJob.Status.RUNNING else None
    if stored:
        return int(stored["done"]), int(stored["total"])
    return 0, _total_rows(job.preview)


def import_job_is_stalled(*, job: ImportJob, now: datetime | None = None) -> bool:
    """Running for longer than a task may run: its worker died without giving it back."""
    return job_is_stale(job=job, now=now)


def _total_rows(summary: dict) -> int:
    counts = summary.get("counts") or {}
    keys = ("created", "updated", "unchanged", "skipped_older", "closed")
    return sum(int(counts.get(key, 0)) for key in keys)


def _progress_key(job_id: int) -> str:
    return f"readiness:import-job:{job_id}:progress"


# --- upload and preview -------------------------------------------------------------------


def _summary(result: CcdImportResult) -> dict[str, Any]:
    """The result as JSON with every list cut to SHOWN_ROWS (the counts keep the totals)."""
    data = result.as_dict()
    for key in ("created", "updated", "closed", "rejected", "warnings", "skipped_older"):
        data[key] = data[key][:SHOWN_ROWS]
    return data


def _refusal(exc: CcdImportError) -> dict[str, Any]:
    return {
        "message": exc.message,
        "problems": [issue.as_dict() for issue in exc.problems[:SHOWN_ROWS]],
        "problem_count": len(exc.problems),
    }


def _short(message: str) -> str:
    limit = cast(int, ImportJob._meta.get_field("error").max_length)
    return message if len(message) <= limit else message[: limit - 1] + "…"


def import_job_create(
    *, user: AbstractUser, upload: UploadedFile, allowed_states: frozenset[str] | None
) -> ImportJob:
    """Store the upload and preview it (a dry run). The caller has checked the file's size
    and extension and, through import_rights_for_user, that the user may import at all;
    ``allowed_states`` comes from there too (None: any state)."""
    job = ImportJob(
        original_name=(upload.name or "upload.csv")[:255],
        # The project's User; accounts sits above directory, so it is not imported here.
        uploaded_by=user,  # type: ignore[misc]
        allowed_states=sorted(allowed_states) if allowed_states is not None else [],
    )
    job.file.save(upload.name or "upload.csv", upload, save=False)
    upload.seek(0)
    data = upload.read()
    try:
        result = ccd_import(
            source=data,
            allowed_states=set(allowed_states) if allowed_states is not None else None,
            dry_run=True,
        )
    except CcdImportError as exc:
        job.status = ImportJob.Status.FAILED
        job.error = _short(exc.message)
        job.preview = _refusal(exc)
        job.finished_at = timezone.now()
    except Exception:
        logger.exception("preview of uploaded CCD file %r failed", job.original_name)
        job.status = ImportJob.Status.FAILED
        job.error = UNREADABLE_PREVIEW
        job.finished_at = timezone.now()
    else:
        job.preview = _summary(result)
    job.save()
    return job


# --- confirm and enqueue ------------------------------------------------------------------


class Confirm:
    """What confirming did (the view turns it into a message)."""

    QUEUED = "queued"  # handed to the worker queue (or will be, after the commit)
    QUEUE_DOWN = "queue_down"  # the job is queued, but the broker did not take it
    NOT_WAITING = "not_waiting"  # the job is not previewed, waiting or stalled


def import_job_confirm(*, job: ImportJob) -> str:
    """Queue a previewed job, send a queued one again (its broker was down), or start a
    stalled one again. Returns a Confirm value. The caller has checked that the user may
    see the job and may import."""
    job = ImportJob.objects.get(pk=job.pk)
    with transaction.atomic():
        if job.status == ImportJob.Status.PREVIEWED:
            changed = job_requeue(job=job)
        elif job.status == ImportJob.Status.QUEUED:
            changed = job_update(job=job, error="")
        elif import_job_is_stalled(job=job):
            changed = job_requeue(job=job, result={})
        else:
            return Confirm.NOT_WAITING
        if not changed:
            return Confirm.NOT_WAITING  # someone else confirmed it a moment ago
        sent: list[bool] = []
        transaction.on_commit(lambda: sent.append(import_job_enqueue(job=job)))
    if sent and not sent[0]:
        return Confirm.QUEUE_DOWN
    return Confirm.QUEUED


def import_job_enqueue(*, job: ImportJob) -> bool:
    """Hand the job to the broker. If it does not answer, the job stays queued with a
    message; the sweep or confirming again sends it later. Returns whether it was sent."""
    from cbe_portal.celery import app

    if broker_refuses(app=app):
        logger.warning("broker refuses connections; import job %s left queued", job.pk)
        job_update(job=job, error=QUEUE_DOWN)
        return False
    try:
        import_run.apply_async(args=[job.pk], retry=False)
    except Exception:  # noqa: BLE001 - any broker failure means: leave it queued, say so
        logger.warning("broker unavailable; import job %s left queued", job.pk, exc_info=True)
        job_update(job=job, error=QUEUE_DOWN)
        return False
    return True


# --- the worker's side --------------------------------------------------------------------


def import_job_run(*, job_id: int, task_id: str = "") -> None:
    """Run a queued job's import with progress in the cache. Transient database errors give
    the job back (queued) and are raised for the task to retry; every other failure marks
    it failed in plain words. Raises ImportJob.DoesNotExist for a deleted job."""
    job = ImportJob.objects.get(pk=job_id)
    if not job_claim(job=job, task_id=task_id, max_attempts=MAX_ATTEMPTS, gave_up=GAVE_UP):
        return
    key = _progress_key(job.pk)
    cache.set(key, {"done": 0, "total": _total_rows(job.preview)}, PROGRESS_TIMEOUT)

    def progress(done: int, total: int) -> None:
        cache.set(key, {"done": done, "total": total}, PROGRESS_TIMEOUT)

    allowed = set(job.allowed_states) if job.allowed_states else None
    try:
        with job_heartbeat(job=job), job.file.open("rb") as stored:
            result = ccd_import(source=stored.read(), allowed_states=allowed, progress=progress)
    except CcdImportError as exc:
        job_fail(job=job, error=exc.message, result=_refusal(exc))
    except SoftTimeLimitExceeded:
        job_fail(job=job, error=TOO_SLOW)
    except TRANSIENT_ERRORS:
        # Give the job back; the task tries again after a pause. If even that fails, the
        # row says running, and once stalled its page offers to start it again.
        with contextlib.suppress(*TRANSIENT_ERRORS):
            job_release(job=job)
        raise
    except FileNotFoundError:
        job_fail(job=job, error=FILE_GONE)
    except Exception:
        logger.exception("import job %s failed", job.pk)
        job_fail(job=job, error=UNEXPECTED)
    else:
        job_finish(job=job, result=_summary(result))
    finally:
        cache.delete(key)


def import_job_give_up(*, job_id: int) -> None:
    """After the last retry of a transient error: fail the job in plain words."""
    job_give_up(job=ImportJob.objects.get(pk=job_id), error=UNAVAILABLE)


# --- the sweep ------------------------------------------------------------------------------


def import_job_sweep() -> tuple[int, int, int]:
    """Queue again the running imports whose heartbeat stopped (their worker died: the
    import is one transaction, so it left nothing behind), and send the queued imports
    the broker never got (it was down) or may have lost (it restarted). Returns (sent,
    restarted, failed). Safe to run at any time: every change is conditional, and an
    import sent twice runs once."""
    from cbe_portal.celery import app

    restarted, failed = job_sweep_stale(
        jobs=ImportJob.objects.all(), max_attempts=MAX_ATTEMPTS, gave_up=GAVE_UP, result={}
    )
    if broker_refuses(app=app):
        return 0, len(restarted), failed
    waiting = ImportJob.objects.filter(status=ImportJob.Status.QUEUED)
    if not broker_restart_seen(app=app, name="imports"):
        waiting = waiting.filter(Q(pk__in=restarted) | Q(error=QUEUE_DOWN))
    sent = 0
    for job in waiting.order_by("created_at"):
        if import_job_enqueue(job=job):
            sent += 1
            if job.error == QUEUE_DOWN:
                job_update(job=job, error="")
    if sent or restarted or failed:
        logger.info("import sweep: %d sent, %d restarted, %d failed", sent, len(restarted), failed)
    return sent, len(restarted), failed
