"""The shared job lifecycle (jobs.services), on ImportJob rows: claims, heartbeats, the
stale sweep, and giving up once Celery's own retries are spent."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

import directory.services as import_services
from directory.models import ImportJob
from directory.tasks import MAX_RETRIES, import_run
from jobs.selectors import job_is_stale, job_stale_after
from jobs.services import (
    job_claim,
    job_fail,
    job_finish,
    job_give_up,
    job_progress,
    job_release,
    job_requeue,
    job_sweep_stale,
)

pytestmark = pytest.mark.django_db


def _job(**fields) -> ImportJob:
    fields.setdefault("status", ImportJob.Status.QUEUED)
    return ImportJob.objects.create(file="imports/x.csv", original_name="x.csv", **fields)


def _row(job: ImportJob) -> ImportJob:
    return ImportJob.objects.get(pk=job.pk)


def test_of_two_workers_claiming_one_job_only_one_wins():
    job = _job()
    first, second = _row(job), _row(job)  # both read the queued row

    assert job_claim(job=first, task_id="a") is True
    assert job_claim(job=second, task_id="b") is False

    row = _row(job)
    assert (row.status, row.task_id, row.attempts) == ("running", "a", 1)
    assert row.started_at is not None and row.heartbeat_at == row.started_at


def test_a_redelivered_message_takes_over_and_counts_an_attempt():
    job = _job()
    assert job_claim(job=_row(job), task_id="a")
    assert job_claim(job=_row(job), task_id="a") is True  # same task id: the first is gone
    assert _row(job).attempts == 2


@pytest.mark.parametrize("status", ["previewed", "done", "failed"])
def test_only_a_queued_job_can_be_claimed(status):
    job = _job(status=status, task_id="a")
    assert job_claim(job=_row(job), task_id="a") is False
    assert _row(job).status == status


def test_a_job_out_of_attempts_fails_with_the_give_up_message():
    job = _job(attempts=3)
    claimed = job_claim(job=_row(job), task_id="a", max_attempts=3, gave_up="Stopped {n} times.")
    row = _row(job)
    assert claimed is False
    assert (row.status, row.error) == ("failed", "Stopped 3 times.")
    assert row.finished_at is not None


def test_a_heartbeat_keeps_a_long_run_from_looking_stale():
    job = _job()
    assert job_claim(job=job, task_id="a")
    long_ago = timezone.now() - job_stale_after() - timedelta(seconds=5)
    ImportJob.objects.filter(pk=job.pk).update(started_at=long_ago, heartbeat_at=long_ago)
    job.refresh_from_db()
    assert job_is_stale(job=job)

    version = job.version
    assert job_progress(job=job) is True  # a plain heartbeat
    row = _row(job)
    assert row.version == version + 1 and row.heartbeat_at > long_ago
    assert not job_is_stale(job=row)


def test_an_overtaken_attempt_can_no_longer_write():
    job = _job()
    assert job_claim(job=job, task_id="a")
    ImportJob.objects.filter(pk=job.pk).update(version=job.version + 7)  # someone else wrote
    assert job_progress(job=job) is False
    assert job_finish(job=job, result={"x": 1}) is False
    assert job_fail(job=job, error="late") is False
    row = _row(job)
    assert (row.status, row.result, row.error) == ("running", {}, "")


def test_finish_fail_release_and_requeue_move_the_status():
    job = _job()
    assert job_claim(job=job, task_id="a")
    assert job_release(job=job) and _row(job).status == "queued"
    assert _row(job).task_id == "a"  # the task's own retry claims it again
    assert job_claim(job=job, task_id="a")
    assert job_finish(job=job, result={"n": 1})
    row = _row(job)
    assert (row.status, row.result, row.error) == ("done", {"n": 1}, "")
    assert row.finished_at is not None

    assert job_requeue(job=job)
    row = _row(job)
    assert (row.status, row.task_id, row.started_at, row.finished_at) == ("queued", "", None, None)


def test_an_error_longer_than_its_column_is_cut():
    job = _job()
    job_fail(job=job, error="x" * 5000)
    assert len(_row(job).error) == ImportJob._meta.get_field("error").max_length


def test_give_up_leaves_a_finished_job_alone():
    done = _job(status="done")
    assert job_give_up(job=done, error="gone") is False
    assert _row(done).error == ""
    running = _job(status="running")
    assert job_give_up(job=running, error="gone") is True
    assert (_row(running).status, _row(running).error) == ("failed", "gone")


def test_the_stale_sweep_requeues_silent_jobs_and_fails_those_out_of_attempts():
    long_ago = timezone.now() - job_stale_after() - timedelta(minutes=1)
    silent = _job(status="running", task_id="dead", attempts=1, started_at=long_ago)
    spent = _job(status="running", task_id="dead", attempts=3, started_at=long_ago)
    # Started long ago too, but its heartbeat is recent: still alive.
    alive = _job(
        status="running",
        task_id="live",
        attempts=1,
        started_at=long_ago,
        heartbeat_at=timezone.now(),
    )
    queued = _job(status="queued", started_at=long_ago)

    requeued, failed = job_sweep_stale(
        jobs=ImportJob.objects.all(), max_attempts=3, gave_up="Stopped {n} times.", result={}
    )

    assert (requeued, failed) == ([silent.pk], 1)
    assert (_row(silent).status, _row(silent).task_id, _row(silent).attempts) == ("queued", "", 1)
    assert (_row(spent).status, _row(spent).error) == ("failed", "Stopped 3 times.")
    assert _row(alive).status == "running" and _row(queued).status == "queued"
    # Run again at once (another beat, a cron): nothing left to do.
    assert job_sweep_stale(jobs=ImportJob.objects.all(), max_attempts=3, gave_up="") == ([], 0)


def test_celery_retries_a_transient_error_with_backoff_then_the_job_gives_up(monkeypatch):
    job = _job()
    calls, countdowns = [], []

    def flaky(*, job_id, task_id):
        calls.append(task_id)
        row = _row(job)
        job_claim(job=row, task_id=task_id)
        job_release(job=row)
        raise OperationalError("database is locked")

    real_retry = import_run.retry

    def spy_retry(*args, **kwargs):
        countdowns.append(kwargs.get("countdown"))
        return real_retry(*args, **kwargs)

    monkeypatch.setattr(import_services, "import_job_run", flaky)
    monkeypatch.setattr(import_run, "retry", spy_retry)

    import_run.apply(args=[job.pk], task_id="t-1")

    assert calls == ["t-1"] * (MAX_RETRIES + 1)  # retries keep the task id
    # Celery's exponential backoff with full jitter; the last try gives up instead.
    assert len(countdowns) == MAX_RETRIES
    assert all(0 <= c <= min(60, 2 * 2**i) for i, c in enumerate(countdowns))
    row = _row(job)
    assert (row.status, row.error) == ("failed", import_services.UNAVAILABLE)
