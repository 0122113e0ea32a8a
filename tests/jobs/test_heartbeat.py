"""A running job's heartbeat (a thread beside the work) and the stale threshold it feeds:
a job is stale once its heartbeat is older than JOB_STALE_SECONDS, however long it has
been running, and the sweep never takes a job whose heartbeat landed after it looked."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from directory.models import ImportJob
from jobs.selectors import job_is_stale, job_stale_after, job_stale_filter
from jobs.services import (
    job_claim,
    job_finish,
    job_heartbeat,
    job_progress,
    job_requeue,
    job_sweep_stale,
    job_touch,
)
from tests.conftest import wait_for


def _running_job(**fields) -> ImportJob:
    job = ImportJob.objects.create(
        file="imports/x.csv", original_name="x.csv", status=ImportJob.Status.QUEUED, **fields
    )
    assert job_claim(job=job, task_id="task-a")
    return job


def _row(job: ImportJob) -> ImportJob:
    return ImportJob.objects.get(pk=job.pk)


def _age(job: ImportJob, seconds: float) -> None:
    """Make the job's last sign of life `seconds` old."""
    then = timezone.now() - timedelta(seconds=seconds)
    ImportJob.objects.filter(pk=job.pk).update(started_at=then, heartbeat_at=then)
    job.refresh_from_db()


@pytest.mark.django_db
def test_a_job_is_stale_once_its_heartbeat_is_older_than_the_setting(settings):
    settings.JOB_STALE_SECONDS = 45
    job = _running_job()
    assert job_stale_after() == timedelta(seconds=45)
    _age(job, 30)
    assert not job_is_stale(job=job)
    _age(job, 50)
    assert job_is_stale(job=job)  # long before the hard time limit (180 s) runs out
    assert list(job_stale_filter(jobs=ImportJob.objects.all())) == [job]


@pytest.mark.django_db
def test_a_touch_records_life_without_bumping_the_version():
    job = _running_job()
    _age(job, 60)
    version = job.version
    assert job_touch(job=job) is True
    row = _row(job)
    assert row.version == version
    assert not job_is_stale(job=row)
    # The attempt's own progress write still lands: the heartbeat did not overtake it.
    assert job_progress(job=job) is True


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["finished", "requeued", "taken over"])
def test_a_touch_no_longer_lands_once_the_row_is_not_this_attempts(change):
    job = _running_job()
    held = _row(job)
    if change == "finished":
        job_finish(job=job)
    elif change == "requeued":
        job_requeue(job=job)
    else:
        assert job_claim(job=job, task_id="task-a")  # redelivered: a new attempt, same id
    assert job_touch(job=held) is False


@pytest.mark.django_db
def test_the_sweep_leaves_a_job_whose_heartbeat_landed_after_it_looked(settings):
    settings.JOB_STALE_SECONDS = 45
    job = _running_job()
    _age(job, 60)
    seen = list(job_stale_filter(jobs=ImportJob.objects.all()))
    assert seen == [job]
    job_touch(job=job)  # the worker was only slow: its heartbeat lands now

    requeued, failed = job_sweep_stale(jobs=ImportJob.objects.all(), max_attempts=3, gave_up="x")
    assert (requeued, failed) == ([], 0)
    assert _row(job).status == ImportJob.Status.RUNNING


@pytest.mark.django_db(transaction=True)  # the heartbeat thread has its own connection
def test_a_heartbeat_thread_keeps_a_long_job_fresh_while_it_works(settings):
    settings.JOB_STALE_SECONDS = 45
    job = _running_job()
    _age(job, 44)
    version = _row(job).version
    with job_heartbeat(job=job, every=0.05) as lost:
        wait_for(lambda: not job_is_stale(job=_row(job), after=timedelta(seconds=1)), timeout=10)
        assert not lost.is_set()
        # The work's own writes go on landing beside the heartbeat.
        assert job_progress(job=job) is True
    assert _row(job).version == version + 1


@pytest.mark.django_db(transaction=True)
def test_a_heartbeat_stops_and_says_so_once_the_job_is_taken_from_it():
    job = _running_job()
    with job_heartbeat(job=job, every=0.05) as lost:
        assert job_requeue(job=_row(job)) is True  # the sweep took it
        wait_for(lost.is_set, timeout=10, what="the heartbeat to notice")
        beat_at = _row(job).heartbeat_at
        time.sleep(0.2)
        assert _row(job).heartbeat_at == beat_at  # no heartbeat on a row it no longer holds


@pytest.mark.django_db(transaction=True)
def test_no_heartbeat_lands_after_the_work_is_over():
    job = _running_job()
    with job_heartbeat(job=job, every=0.05):
        pass
    _age(job, 60)
    time.sleep(0.2)
    assert job_is_stale(job=_row(job))


def test_a_stale_threshold_shorter_than_two_heartbeats_is_refused_at_start(tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, JOB_HEARTBEAT_SECONDS="30", JOB_STALE_SECONDS="45")
    env["CBE_VAR_DIR"] = str(tmp_path)
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env | {"DJANGO_SETTINGS_MODULE": "cbe_portal.settings"},
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0
    assert "JOB_STALE_SECONDS must be at least twice JOB_HEARTBEAT_SECONDS" in out.stderr
