"""A real Celery worker process renders real PDFs with WeasyPrint.

Under CI the broker is Redis and the database PostgreSQL; locally the embedded
file-system broker and SQLite. Nothing is mocked. The crash tests slow every render down
with CBE_TEST_RENDER_DELAY (seconds of sleep between layout and writing, read by
reports.rendering) so there is time to kill the worker in the middle of one.
"""

import io
import os
import re
import signal
import subprocess
import time

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import Role
from assessments.models import Answer, Assessment
from reports.models import ReportJob
from reports.services import report_request, report_sweep
from tests.conftest import wait_for
from tests.factories import CycleFactory, LEAFactory, StateFactory, UserFactory

from .conftest import celery_broker

pytestmark = pytest.mark.worker


@pytest.fixture
def assessed_lea(framework):
    state = StateFactory(code="NH", name="New Hampshire")
    lea = LEAFactory(state=state, name="Pemigewasset Valley School District")
    cycle = CycleFactory(state=state, framework=framework)
    assessment = Assessment.objects.create(lea=lea, cycle=cycle)
    indicators = list(framework.indicators.order_by("position")[:5])
    Answer.objects.bulk_create(
        Answer(
            assessment=assessment,
            indicator=ind,
            rating=(i % 4) + 1,
            evidence=f"Evidence note {i} <b>not bold</b>",
        )
        for i, ind in enumerate(indicators)
    )
    user = UserFactory(role=Role.STATE_STAFF, state=state)
    return lea, cycle, user


def _pdf_text(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    return text, len(reader.pages)


def _wait_finished(job: ReportJob, worker, timeout: float = 90) -> ReportJob:
    def finished():
        job.refresh_from_db()
        return job.is_finished

    try:
        wait_for(finished, timeout=timeout, what=f"job {job.pk} to finish")
    except AssertionError:
        raise AssertionError(f"job {job.pk}: {job.status}\nworker log:\n{worker.log()}") from None
    return job


def _job_files(media, job) -> list:
    # Stored as <subject>-<cycle>-<job id>-<attempt>.pdf; the cycle's name has dashes and
    # digits too ("2026-27"), so the job id is matched at its own place only.
    return [p for p in media.rglob("*.pdf") if re.search(rf"-{job.pk}-\d+\.pdf$", p.name)]


def test_a_worker_process_renders_the_requested_pdf_into_the_database(
    celery_worker_process, assessed_lea
):
    lea, cycle, user = assessed_lea
    worker = celery_worker_process()
    job = report_request(user=user, lea=lea, cycle=cycle)
    assert job.status == ReportJob.Status.QUEUED

    _wait_finished(job, worker)
    assert job.status == ReportJob.Status.DONE, job.error
    pdf = job.file.read()
    assert pdf.startswith(b"%PDF-")
    text, pages = _pdf_text(pdf)
    assert "Pemigewasset Valley School District" in text
    assert "<b>not bold</b>" in text  # user text is escaped, never interpreted
    assert job.page_count == pages >= 1

    again = report_request(user=user, lea=lea, cycle=cycle)
    assert again.pk == job.pk  # same inputs: the stored PDF is reused


def test_a_district_leader_requests_watches_and_downloads_through_the_web(
    celery_worker_process, report_world, client, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    worker = celery_worker_process(env_overrides={"MEDIA_ROOT": settings.MEDIA_ROOT})
    leader = report_world["users"][Role.DISTRICT_LEADER]
    lea, cycle = report_world["leas"][0], report_world["cycle"]
    client.force_login(leader)

    response = client.post(reverse("reports:lea_report_request", args=[lea.leaid, cycle.pk]))
    assert response.status_code == 302
    job = ReportJob.objects.get()
    assert response.url == reverse("reports:job_detail", args=[job.pk])
    page = client.get(response.url)
    assert page.status_code == 200
    assert "Progress" in page.content.decode()

    _wait_finished(job, worker)
    status = client.get(reverse("reports:job_status", args=[job.pk])).json()
    assert status["status"] == "done" and status["progress"] == 100
    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    text, pages = _pdf_text(b"".join(download.streaming_content))
    assert 4 <= pages <= 9
    assert lea.name in text
    assessment = Assessment.objects.get(lea=lea, cycle=cycle)
    stage_label = next(
        s["label"]
        for s in cycle.framework.content["scoring"]["lea_stages"]
        if s["code"] == assessment.stage
    )
    assert f"Readiness stage {stage_label}" in text
    assert f"Page {pages} of {pages}" in text


def _slow_worker(celery_worker_process, media_root, **env):
    return celery_worker_process(
        env_overrides={"CBE_TEST_RENDER_DELAY": "4", "MEDIA_ROOT": str(media_root), **env}
    )


def _wait_mid_render(job, worker):
    def gathered():
        job.refresh_from_db()
        return job.status == ReportJob.Status.RUNNING and job.progress >= 20

    try:
        wait_for(gathered, timeout=60, interval=0.05, what="the render to be under way")
    except AssertionError:
        raise AssertionError(f"worker log:\n{worker.log()}") from None
    # Layout takes well under a second; then CBE_TEST_RENDER_DELAY holds the render for 4.
    time.sleep(1.5)
    job.refresh_from_db()
    assert job.progress < 70, "the render finished before it could be interrupted"


def test_a_render_killed_with_sigkill_is_finished_exactly_once_by_the_next_child(
    celery_worker_process, report_world, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    worker = _slow_worker(celery_worker_process, settings.MEDIA_ROOT)
    job = report_request(
        user=report_world["users"][Role.STATE_ADMIN],
        lea=report_world["leas"][1],
        cycle=report_world["cycle"],
    )
    _wait_mid_render(job, worker)
    children = worker.child_pids()
    assert children, worker.log()
    for pid in children:
        os.kill(pid, signal.SIGKILL)

    # acks_late + reject_on_worker_lost: the message goes back to the queue, the pool
    # starts a new child, and the redelivered task takes the job over.
    _wait_finished(job, worker, timeout=120)
    assert job.status == ReportJob.Status.DONE, job.error
    assert job.attempts == 2
    assert job.finished_at is not None
    assert len(_job_files(tmp_path / "media", job)) == 1
    assert "WorkerLostError" in worker.log() or "SIGKILL" in worker.log()


def test_a_worker_killed_outright_mid_render_is_finished_once_after_a_new_worker_and_the_sweep(
    celery_worker_process, report_world, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    first = _slow_worker(celery_worker_process, settings.MEDIA_ROOT)
    job = report_request(
        user=report_world["users"][Role.STATE_ADMIN],
        lea=report_world["leas"][2],
        cycle=report_world["cycle"],
    )
    _wait_mid_render(job, first)
    os.killpg(first.process.pid, signal.SIGKILL)  # the parent and its child, no goodbye
    first.process.wait(timeout=10)
    job.refresh_from_db()
    assert job.status == ReportJob.Status.RUNNING

    second = celery_worker_process(env_overrides={"MEDIA_ROOT": settings.MEDIA_ROOT})
    # The job's worker is gone; once the job has run longer than the time limit the
    # sweep queues it again (here: at once).
    result = report_sweep(queued_for=0, running_for=0)
    assert result.restarted == 1
    _wait_finished(job, second)
    assert job.status == ReportJob.Status.DONE, job.error
    assert job.attempts == 2
    assert len(_job_files(tmp_path / "media", job)) == 1


def test_with_redis_down_the_request_is_kept_and_runs_once_redis_returns(
    celery_worker_process, report_world, throwaway_redis, client, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    worker = celery_worker_process(
        env_overrides={"REDIS_URL": throwaway_redis.url, "MEDIA_ROOT": settings.MEDIA_ROOT}
    )
    wait_for(lambda: "ready" in worker.log(), timeout=60, what="the worker to connect")
    throwaway_redis.stop()
    assert not throwaway_redis.is_up()

    with celery_broker(throwaway_redis.url):
        client.force_login(report_world["users"][Role.TASK_FORCE])
        lea, cycle = report_world["leas"][3], report_world["cycle"]
        response = client.post(reverse("reports:lea_report_request", args=[lea.leaid, cycle.pk]))
        assert response.status_code == 302
        job = ReportJob.objects.get()
        assert (job.status, job.enqueued_at) == (ReportJob.Status.QUEUED, None)
        page = client.get(response.url)
        assert page.status_code == 200
        assert "will start when a report worker is available" in page.content.decode()
        assert client.get(reverse("reports:job_status", args=[job.pk])).json()["status"] == (
            "queued"
        )

        throwaway_redis.start()
        assert report_sweep(queued_for=0).requeued == 1
    _wait_finished(job, worker, timeout=120)
    assert job.status == ReportJob.Status.DONE, job.error
    assert job.attempts == 1


def test_redis_is_never_the_machines_own(throwaway_redis):
    # The broker-down test stops only the throwaway server it started on its own port.
    assert throwaway_redis.port != 6379
    out = subprocess.run(["redis-cli", "-p", "6391", "ping"], capture_output=True, text=True)
    assert out.stdout.strip() == "PONG"
