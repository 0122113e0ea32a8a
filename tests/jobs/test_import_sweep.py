"""The import sweep (celery beat, every JOB_SWEEP_SECONDS): CCD imports share the job
lifecycle, so they recover the same way as reports."""

from datetime import timedelta

import pytest
from django.utils import timezone

import directory.tasks
from directory.models import ImportJob
from directory.services import GAVE_UP, MAX_ATTEMPTS, QUEUE_DOWN, import_job_sweep
from directory.tasks import import_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """What the sweep hands to the broker, recorded instead of sent."""
    from cbe_portal.celery import app
    from jobs.broker import broker_restart_seen

    broker_restart_seen(app=app, name="imports")  # under CI: Redis, seen before this test
    handed = []
    monkeypatch.setattr(
        directory.tasks.import_run, "apply_async", lambda args, **kw: handed.append(args[0])
    )
    return handed


def _job(**fields) -> ImportJob:
    return ImportJob.objects.create(file="imports/x.csv", original_name="x.csv", **fields)


def test_an_import_whose_worker_died_is_queued_and_sent_again(sent, settings):
    settings.JOB_STALE_SECONDS = 45
    silent = timezone.now() - timedelta(seconds=50)
    job = _job(status="running", task_id="dead", attempts=1, started_at=silent, heartbeat_at=silent)
    alive = _job(
        status="running", task_id="live", attempts=1, started_at=silent, heartbeat_at=timezone.now()
    )

    assert import_job_sweep() == (1, 1, 0)
    assert sent == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.task_id, job.attempts) == ("queued", "", 1)
    alive.refresh_from_db()
    assert alive.status == "running"


def test_an_import_the_broker_never_got_is_sent_and_its_message_cleared(sent):
    job = _job(status="queued", error=QUEUE_DOWN)
    waiting = _job(status="queued")  # handed over; waits its turn in the queue
    previewed = _job(status="previewed")

    assert import_sweep() == {"sent": 1, "restarted": 0, "failed": 0}
    assert sent == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.error) == ("queued", "")
    assert waiting.pk not in sent and previewed.pk not in sent


def test_an_import_whose_worker_keeps_dying_fails_in_plain_words(sent):
    long_ago = timezone.now() - timedelta(hours=1)
    job = _job(status="running", attempts=MAX_ATTEMPTS, started_at=long_ago, heartbeat_at=long_ago)
    assert import_job_sweep() == (0, 0, 1)
    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", GAVE_UP.format(n=MAX_ATTEMPTS))
    assert sent == []
