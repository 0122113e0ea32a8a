"""CCD import jobs: upload and preview, confirm, run in a Celery worker, report progress.

1. ``import_job_create`` stores the uploaded file on a new ImportJob and runs the import as
   a dry run in the request (under a second for all 19,400 LEAs); the job keeps the
   preview (counts, the first rows of every list). A file that is refused (wrong shape,
   another state's rows) makes a failed job with the message; nothing else is written.
2. ``import_job_confirm`` moves a previewed job to queued with a conditional update on its
   version and hands it to the broker after the commit. When the broker does not answer,
   the job stays queued with a message in ``error``; confirming again sends it again.
3. The worker's ``import_job_run`` claims the job (queued -> running, conditional), runs
   the real import, which is one transaction, and ends the job done with the result or
   failed with a message in plain words. A message for a job that is no longer queued
   does nothing, so a job sent twice is imported once.
4. Progress is kept in the cache, not in the job row: ``progress(done, total)`` is called
   inside the import's transaction, where a write to the job row would stay invisible to
   the page until the commit.

Who may import: a national administrator any state's rows; a state administrator only
their own state's (``allowed_states``); nobody else. ``readiness.selectors.import_rights_for_user``
decides it.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any, cast

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from ..ccd import CcdImportError, CcdImportResult, ccd_import
from ..models import ImportJob, User

logger = logging.getLogger(__name__)

IMPORT_MAX_BYTES = 50 * 1024 * 1024
IMPORT_EXTENSIONS = ("csv", "txt")
# How many rows of each list (created, updated, rejected...) a job keeps for its page.
SHOWN_ROWS = 200
PROGRESS_TIMEOUT = 24 * 3600
# Errors worth trying again: the database was briefly unavailable.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)

# What users read when something goes wrong. Plain words, no stack traces.
QUEUE_DOWN = (
    "The import is waiting to start: the background job queue did not answer. Nothing has "
    "been imported yet. Try starting it again in a few minutes; if it keeps waiting, "
    "contact your portal administrator."
)
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
    if job.status != ImportJob.Status.RUNNING:
        return False
    try:
        started = datetime.fromisoformat(job.result["started_at"])
    except (KeyError, TypeError, ValueError):
        return False
    limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    return (now or timezone.now()) - started > limit


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
    *, user: User, upload: UploadedFile, allowed_states: frozenset[str] | None
) -> ImportJob:
    """Store the upload and preview it (a dry run). The caller has checked the file's size
    and extension and, through import_rights_for_user, that the user may import at all;
    ``allowed_states`` comes from there too (None: any state)."""
    job = ImportJob(
        original_name=(upload.name or "upload.csv")[:255],
        uploaded_by=user,
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


def _job_update(job: ImportJob, **fields: Any) -> bool:
    """Conditional update on the job's version, so a stale writer never overwrites."""
    fields["version"] = job.version + 1
    updated = ImportJob.objects.filter(pk=job.pk, version=job.version).update(**fields)
    if updated:
        for key, value in fields.items():
            setattr(job, key, value)
    return bool(updated)


def import_job_confirm(*, job: ImportJob) -> str:
    """Queue a previewed job, send a queued one again (its broker was down), or start a
    stalled one again. Returns a Confirm value. The caller has checked that the user may
    see the job and may import."""
    job = ImportJob.objects.get(pk=job.pk)
    with transaction.atomic():
        if job.status == ImportJob.Status.PREVIEWED:
            changed = _job_update(job, status=ImportJob.Status.QUEUED, error="")
        elif job.status == ImportJob.Status.QUEUED:
            changed = _job_update(job, error="")
        elif import_job_is_stalled(job=job):
            changed = _job_update(job, status=ImportJob.Status.QUEUED, error="", result={})
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
    message; confirming again sends it again. Returns whether it was sent."""
    from ..tasks import import_run

    try:
        import_run.apply_async(args=[job.pk], retry=False)
    except Exception:  # noqa: BLE001 - any broker failure means: leave it queued, say so
        logger.warning("broker unavailable; import job %s left queued", job.pk, exc_info=True)
        _job_update(job, error=QUEUE_DOWN)
        return False
    return True


# --- the worker's side --------------------------------------------------------------------


def _job_claim(job: ImportJob, *, task_id: str) -> bool:
    """Take the job for this attempt. A queued job is taken with a conditional update; a
    running one only by the same task delivered again after its worker died (the import
    was rolled back with it). Anything else: a duplicate or late message, do nothing."""
    for _ in range(3):
        if job.status == ImportJob.Status.QUEUED:
            started = {"task_id": task_id, "started_at": timezone.now().isoformat()}
            if _job_update(job, status=ImportJob.Status.RUNNING, result=started, error=""):
                return True
        elif job.status == ImportJob.Status.RUNNING:
            return bool(task_id) and job.result.get("task_id") == task_id
        else:
            return False
        job.refresh_from_db()  # changed under us (a re-send cleared a message): look again
    return False


def _job_fail(job: ImportJob, message: str, details: dict | None = None) -> None:
    fields: dict[str, Any] = {
        "status": ImportJob.Status.FAILED,
        "error": _short(message),
        "finished_at": timezone.now(),
    }
    if details is not None:
        fields["result"] = details
    _job_update(job, **fields)


def import_job_run(*, job_id: int, task_id: str = "") -> None:
    """Run a queued job's import with progress in the cache. Transient database errors give
    the job back (queued) and are raised for the task to retry; every other failure marks
    it failed in plain words. Raises ImportJob.DoesNotExist for a deleted job."""
    job = ImportJob.objects.get(pk=job_id)
    if not _job_claim(job, task_id=task_id):
        return
    key = _progress_key(job.pk)
    cache.set(key, {"done": 0, "total": _total_rows(job.preview)}, PROGRESS_TIMEOUT)

    def progress(done: int, total: int) -> None:
        cache.set(key, {"done": done, "total": total}, PROGRESS_TIMEOUT)

    allowed = set(job.allowed_states) if job.allowed_states else None
    try:
        with job.file.open("rb") as stored:
            data = stored.read()
        result = ccd_import(source=data, allowed_states=allowed, progress=progress)
    except CcdImportError as exc:
        _job_fail(job, exc.message, _refusal(exc))
    except SoftTimeLimitExceeded:
        _job_fail(job, TOO_SLOW)
    except TRANSIENT_ERRORS:
        # Give the job back; the task tries again after a pause. If even that fails, the
        # row says running, and once stalled its page offers to start it again.
        with contextlib.suppress(*TRANSIENT_ERRORS):
            _job_update(job, status=ImportJob.Status.QUEUED)
        raise
    except FileNotFoundError:
        _job_fail(job, FILE_GONE)
    except Exception:
        logger.exception("import job %s failed", job.pk)
        _job_fail(job, UNEXPECTED)
    else:
        _job_update(
            job,
            status=ImportJob.Status.DONE,
            result=_summary(result),
            error="",
            finished_at=timezone.now(),
        )
    finally:
        cache.delete(key)


def import_job_give_up(*, job_id: int) -> None:
    """After the last retry of a transient error: fail the job in plain words."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        _job_fail(job, UNAVAILABLE)
