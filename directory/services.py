"""CCD import jobs: upload, preview in a worker, confirm, import in a worker, clean up.

1. ``import_job_create`` stores the uploaded file (the view streamed it to disk with the
   size limit enforced while reading) on a new ImportJob, queued for its preview, and hands
   the preview to the broker after the commit. The request does nothing else, so a large
   file cannot make it time out.
2. The worker's ``import_job_preview`` claims the job and runs the import as a dry run; the
   job keeps the preview (counts, the first rows of every list, and per state the operating
   LEAs the file does not list) and becomes ``previewed``. A file that is refused (wrong
   shape, another state's rows) fails the job with the message, and its file is deleted.
3. ``import_job_confirm`` moves a previewed job to queued for the import with a conditional
   update on its version, recording which states the person declared the file complete
   for and how many LEAs they confirmed closing; it hands it to the broker after the
   commit. When the broker does not answer, the job stays queued with a message in
   ``error``; the import sweep (celery beat, every JOB_SWEEP_SECONDS) sends it once the
   broker answers, and confirming again does too (either phase).
4. The worker's ``import_job_run`` claims the job, runs the real import, which is one
   transaction, and ends the job done with the result or failed with a message in plain
   words. A message for a job that is no longer queued does nothing, so a job sent twice is
   imported once. Claiming, finishing, failing and giving up are the shared job
   lifecycle's (``jobs.services``), for the preview and the import alike.
5. Progress is kept in the cache, not in the job row: ``progress(done, total)`` is called
   inside the import's transaction, where a write to the job row would stay invisible to
   the page until the commit (and a dry run rolls it back).
6. ``import_job_cancel`` (a person) and ``import_job_expire_abandoned`` (beat, or
   ``manage.py import_expire``) end a preview nobody confirmed and delete its file.

Who may import: a national administrator any state's rows; a state administrator only
their own state's (``allowed_states``); nobody else. ``access.selectors.import_rights_for_user``
decides it.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
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
    job_progress,
    job_release,
    job_requeue,
    job_sweep_stale,
    job_update,
)

from .ccd import CcdImportError, CcdImportResult
from .importing import ccd_import
from .models import LEA, ImportJob, State
from .tasks import TRANSIENT_ERRORS, import_preview, import_run

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
PREVIEW_QUEUE_DOWN = (
    "The preview is waiting to start: the background job queue did not answer. Nothing has "
    "been imported. It starts by itself within a minute of the queue coming back; if it "
    "keeps waiting, contact your portal administrator."
)
PREVIEW_TOO_SLOW = (
    "Reading the file took too long and was stopped. Nothing was imported. Check that it is "
    "the district (LEA) file; if it is, contact your portal administrator."
)
PREVIEW_UNAVAILABLE = (
    "The preview could not run because the database was not available. Nothing was "
    "imported. Upload the file again in a few minutes."
)
CANCELLED = "Cancelled before it was imported. The uploaded file was deleted."
EXPIRED = (
    "Nobody confirmed or cancelled this preview within {hours} hours, so it expired and the "
    "uploaded file was deleted. Nothing was imported."
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
    if job.is_previewing and job.status == ImportJob.Status.QUEUED:
        return 0, 0
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


def import_job_create(
    *, user: AbstractUser, upload: UploadedFile, allowed_states: frozenset[str] | None
) -> ImportJob:
    """Store the upload on a new job queued for its preview, and send the preview to the
    broker after the commit. The caller has checked the file's size and extension and,
    through import_rights_for_user, that the user may import at all; ``allowed_states``
    comes from there too (None: any state). The file is moved or copied to storage in
    chunks, never read whole here."""
    job = ImportJob(
        original_name=(upload.name or "upload.csv")[:255],
        # The project's User; accounts sits above directory, so it is not imported here.
        uploaded_by=user,  # type: ignore[misc]
        allowed_states=sorted(allowed_states) if allowed_states is not None else [],
        status=ImportJob.Status.QUEUED,
        phase=ImportJob.Phase.PREVIEW,
    )
    job.file.save(upload.name or "upload.csv", upload, save=False)
    try:
        with transaction.atomic():
            job.save()
            transaction.on_commit(lambda: import_job_enqueue(job=job))
    except BaseException:
        job.file.delete(save=False)  # no row, no file
        raise
    return job


# --- confirm and enqueue ------------------------------------------------------------------


class Confirm:
    """What confirming did (the view turns it into a message)."""

    QUEUED = "queued"  # handed to the worker queue (or will be, after the commit)
    QUEUE_DOWN = "queue_down"  # the job is queued, but the broker did not take it
    NOT_WAITING = "not_waiting"  # the job is not previewed, waiting or stalled
    CHANGED = "changed"  # the closing confirmed no longer matches the preview


def import_job_closures(
    *, job: ImportJob, complete_for: list[str], partial_ok: list[str] | None = None
) -> list[dict[str, Any]]:
    """The LEAs (leaid, name, status, state) that importing the previewed job would close
    if the person declared the file complete for ``complete_for``, from its preview."""
    missing = job.preview.get("missing") or {}
    leas: list[dict[str, Any]] = []
    for code in sorted(set(complete_for)):
        info = missing.get(code)
        if not info or info.get("blocked"):
            continue
        if info.get("partial") and code not in (partial_ok or []):
            continue
        leas.extend({**lea, "state": code} for lea in info.get("leas", []))
    return leas


def import_job_confirm(
    *,
    job: ImportJob,
    complete_for: list[str] | None = None,
    partial_ok: list[str] | None = None,
    expected_closures: int | None = None,
) -> str:
    """Queue a previewed job for its import, send a queued one again (its broker was down),
    or start a stalled one again. Returns a Confirm value. The caller has checked that the
    user may see the job and may import.

    Closing LEAs needs both the states the file is declared complete for and the number of
    LEAs that closes, which must match the preview (the caller showed them by name); the
    worker refuses the import if the file would close any other number."""
    complete_for = sorted(set(complete_for or ()))
    partial_ok = sorted(set(partial_ok or ()) & set(complete_for))
    job = ImportJob.objects.get(pk=job.pk)
    with transaction.atomic():
        if job.status == ImportJob.Status.PREVIEWED:
            closing = len(
                import_job_closures(job=job, complete_for=complete_for, partial_ok=partial_ok)
            )
            if complete_for and expected_closures != closing:
                return Confirm.CHANGED
            changed = job_requeue(
                job=job,
                phase=ImportJob.Phase.IMPORT,
                complete_for=complete_for,
                partial_ok=partial_ok,
                expected_closures=closing if complete_for else None,
            )
        elif complete_for:
            return Confirm.NOT_WAITING  # closing is confirmed on a preview only
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
    """Hand the job's current phase to the broker. If it does not answer, the job stays
    queued with a message; the sweep or confirming again sends it later. Returns whether
    it was sent."""
    from cbe_portal.celery import app

    previewing = job.phase == ImportJob.Phase.PREVIEW
    task = import_preview if previewing else import_run
    if broker_refuses(app=app):
        logger.warning("broker refuses connections; import job %s left queued", job.pk)
        job_update(job=job, error=PREVIEW_QUEUE_DOWN if previewing else QUEUE_DOWN)
        return False
    try:
        task.apply_async(args=[job.pk], retry=False)
    except Exception:  # noqa: BLE001 - any broker failure means: leave it queued, say so
        logger.warning("broker unavailable; import job %s left queued", job.pk, exc_info=True)
        job_update(job=job, error=PREVIEW_QUEUE_DOWN if previewing else QUEUE_DOWN)
        return False
    return True


# --- ending a preview nobody confirms -------------------------------------------------------


def _delete_stored(job: ImportJob, name: str | None) -> None:
    if name:
        with contextlib.suppress(OSError):
            job.file.storage.delete(name)


def import_job_cancel(*, job: ImportJob) -> bool:
    """A person drops a preview (or one still waiting for its worker): the file is deleted
    at once and the job marked cancelled. False when the job is past that point."""
    job = ImportJob.objects.get(pk=job.pk)
    waiting = job.phase == ImportJob.Phase.PREVIEW and job.status == ImportJob.Status.QUEUED
    if job.status != ImportJob.Status.PREVIEWED and not waiting:
        return False
    name = job.file.name
    if not job_update(
        job=job,
        status=ImportJob.Status.CANCELLED,
        error=CANCELLED,
        finished_at=timezone.now(),
        file="",
    ):
        return False
    _delete_stored(job, name)
    return True


def import_job_expire_abandoned(*, now: datetime | None = None) -> int:
    """Expire the previews nobody confirmed or cancelled within IMPORT_ABANDONED_HOURS (and
    uploads whose preview never started that long), deleting their files. Returns how
    many. Safe to run from several places at once: every change is conditional."""
    hours = settings.IMPORT_ABANDONED_HOURS
    cutoff = (now or timezone.now()) - timedelta(hours=hours)
    stale = ImportJob.objects.filter(
        status=ImportJob.Status.PREVIEWED, finished_at__lt=cutoff
    ) | ImportJob.objects.filter(
        status=ImportJob.Status.QUEUED, phase=ImportJob.Phase.PREVIEW, created_at__lt=cutoff
    )
    expired = 0
    for job in stale:
        name = job.file.name
        if job_update(
            job=job,
            status=ImportJob.Status.EXPIRED,
            error=EXPIRED.format(hours=hours),
            finished_at=timezone.now(),
            file="",
        ):
            expired += 1
            _delete_stored(job, name)
    return expired


# --- the worker's side --------------------------------------------------------------------


def import_job_preview(*, job_id: int, task_id: str = "") -> None:
    """Preview a job queued for it: a dry run of the import, with progress in the cache.
    Ends the job previewed, or failed with a message (its file deleted). Transient
    database errors give it back and are raised for the task to retry. Raises
    ImportJob.DoesNotExist for a deleted job."""
    job = ImportJob.objects.get(pk=job_id)
    if job.phase != ImportJob.Phase.PREVIEW or not job_claim(
        job=job, task_id=task_id, max_attempts=MAX_ATTEMPTS, gave_up=GAVE_UP
    ):
        return
    key = _progress_key(job.pk)
    cache.set(key, {"done": 0, "total": 0}, PROGRESS_TIMEOUT)

    def progress(done: int, total: int) -> None:
        cache.set(key, {"done": done, "total": total}, PROGRESS_TIMEOUT)

    allowed = set(job.allowed_states) if job.allowed_states else None
    try:
        with job_heartbeat(job=job):
            with job.file.open("rb") as stored:
                data = stored.read()
            if not job_progress(job=job):  # alive, and not overtaken while reading
                return
            result = ccd_import(
                source=data, allowed_states=allowed, dry_run=True, progress=progress
            )
    except CcdImportError as exc:
        _preview_failed(job, exc.message, _refusal(exc))
    except SoftTimeLimitExceeded:
        _preview_failed(job, PREVIEW_TOO_SLOW)
    except TRANSIENT_ERRORS:
        with contextlib.suppress(*TRANSIENT_ERRORS):
            job_release(job=job)
        raise
    except FileNotFoundError:
        job_fail(job=job, error=FILE_GONE)
    except Exception:
        logger.exception("preview of uploaded CCD file %r failed", job.original_name)
        _preview_failed(job, UNREADABLE_PREVIEW)
    else:
        job_update(
            job=job,
            status=ImportJob.Status.PREVIEWED,
            preview=_summary(result),
            finished_at=timezone.now(),
        )
    finally:
        cache.delete(key)


def _preview_failed(job: ImportJob, message: str, refusal: dict[str, Any] | None = None) -> None:
    """The file cannot be imported: nothing will ever read it again, so it goes now."""
    name = job.file.name
    if job_fail(job=job, error=message, preview=refusal or {}, file=""):
        _delete_stored(job, name)


def import_job_run(*, job_id: int, task_id: str = "") -> None:
    """Run a queued job's import with progress in the cache. Transient database errors give
    the job back (queued) and are raised for the task to retry; every other failure marks
    it failed in plain words. Raises ImportJob.DoesNotExist for a deleted job."""
    job = ImportJob.objects.get(pk=job_id)
    if job.phase != ImportJob.Phase.IMPORT or not job_claim(
        job=job, task_id=task_id, max_attempts=MAX_ATTEMPTS, gave_up=GAVE_UP
    ):
        return
    key = _progress_key(job.pk)
    cache.set(key, {"done": 0, "total": _total_rows(job.preview)}, PROGRESS_TIMEOUT)

    def progress(done: int, total: int) -> None:
        cache.set(key, {"done": done, "total": total}, PROGRESS_TIMEOUT)

    allowed = set(job.allowed_states) if job.allowed_states else None
    try:
        with job_heartbeat(job=job):
            with job.file.open("rb") as stored:
                data = stored.read()
            result = ccd_import(
                source=data,
                allowed_states=allowed,
                complete_for=job.complete_for,
                partial_ok=job.partial_ok,
                expected_closures=job.expected_closures,
                progress=progress,
            )
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
    job = ImportJob.objects.get(pk=job_id)
    job_give_up(
        job=job, error=PREVIEW_UNAVAILABLE if job.phase == job.Phase.PREVIEW else UNAVAILABLE
    )


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
        waiting = waiting.filter(
            Q(pk__in=restarted) | Q(error__in=[QUEUE_DOWN, PREVIEW_QUEUE_DOWN])
        )
    sent = 0
    for job in waiting.order_by("created_at"):
        if import_job_enqueue(job=job):
            sent += 1
            if job.error in (QUEUE_DOWN, PREVIEW_QUEUE_DOWN):
                job_update(job=job, error="")
    if sent or restarted or failed:
        logger.info("import sweep: %d sent, %d restarted, %d failed", sent, len(restarted), failed)
    return sent, len(restarted), failed


# --- the LEAs' copy of their state's code ---------------------------------------------------


def lea_state_codes_sync(*, state: State) -> int:
    """Copy the state's code onto those of its LEAs that hold another (LEA.state_code, the
    national LEA list's order): after a state's code is edited. One UPDATE; returns the
    number of LEAs changed."""
    return (
        LEA.objects.filter(state=state).exclude(state_code=state.code).update(state_code=state.code)
    )
