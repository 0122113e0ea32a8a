"""Fault tests: report jobs recover by themselves, through the heartbeat and the sweep.

Real Celery workers (with celery beat inside, as in docker-compose) on a throwaway
redis-server of their own, which a test stops and starts; nothing mocked. The workers run
with small recovery settings (heartbeat 1 s, stale after 3 s, a sweep every 2 s) so the
tests stay short: they check that each state change happens, through the sweep, not how
fast it happens with the production settings (README, "Background jobs", has those
figures). Set CBE_TEST_PRODUCTION_RECOVERY=1 to run them with the production settings.
"""

import os
import re
import shutil
import signal
import time

import pytest
from django.urls import reverse

from accounts.models import Role
from reports.models import ReportJob
from reports.services import report_batch_request
from tests.conftest import wait_for

from .conftest import ThrowawayRedis, celery_broker

pytestmark = pytest.mark.worker

# Ports of this file's own redis-server, never the machine's Redis; below the range the
# kernel hands out to outgoing connections (32768-60999 here), so no client's socket can
# hold one when the server starts (is_up only sees listening sockets).
PORTS = {"outage": 26391, "kill": 26392}
# Generous bounds: what the tests assert, well above what they measure.
BACK_WITHIN = 60  # seconds from Redis returning until every request is done
RELEASED_WITHIN = 90  # seconds from a worker's death until none of its jobs shows running


def _redis(tmp_path, port: int) -> ThrowawayRedis:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = ThrowawayRedis(port, tmp_path)
    if server.is_up():
        pytest.skip(f"port {port} is already in use")
    server.start()
    return server


@pytest.fixture
def outage_redis(tmp_path):
    server = _redis(tmp_path, PORTS["outage"])
    yield server
    server.stop()


@pytest.fixture
def kill_redis(tmp_path):
    server = _redis(tmp_path, PORTS["kill"])
    yield server
    server.stop()


def _worker(start, redis: ThrowawayRedis, media_root, folder, name: str, **kwargs):
    env = {
        "REDIS_URL": redis.url,
        "MEDIA_ROOT": str(media_root),
        "CBE_TEST_RENDER_DELAY": "2",
    }
    if not os.environ.get("CBE_TEST_PRODUCTION_RECOVERY"):
        env |= {
            "JOB_HEARTBEAT_SECONDS": "1",
            "JOB_STALE_SECONDS": "3",
            "JOB_SWEEP_SECONDS": "2",
            "JOB_RESEND_AFTER_SECONDS": "30",
        }
    worker = start(
        env_overrides=env, args=["--beat", f"--schedule={folder / f'beat-{name}'}"], **kwargs
    )
    try:
        wait_for(lambda: "ready" in worker.log(), timeout=90, what=f"worker {name} to start")
    except AssertionError:
        raise AssertionError(worker.log()) from None
    return worker


def _pdfs(media_root, job) -> list:
    # Stored as <subject>-<cycle>-<job id>-<attempt>.pdf; the cycle's name has dashes and
    # digits too ("2026-27"), so the job id is matched at its own place only.
    return [p for p in media_root.rglob("*.pdf") if re.search(rf"-{job.pk}-\d+\.pdf$", p.name)]


def _all_finished(jobs) -> bool:
    return all(job.is_finished for job in jobs.all())


def _assert_each_done_once(jobs, media_root, *logs) -> None:
    for job in jobs.all():
        assert job.status == ReportJob.Status.DONE, (job.pk, job.status, job.error, *logs)
        assert len(_pdfs(media_root, job)) == 1, job.pk


def test_requests_made_while_redis_is_down_never_fail_and_each_runs_once_soon_after_it_returns(
    celery_worker_process, report_world, outage_redis, client, settings, tmp_path
):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = str(media)
    worker = _worker(celery_worker_process, outage_redis, media, tmp_path, "outage")
    leas, cycle = report_world["leas"], report_world["cycle"]
    client.force_login(report_world["users"][Role.STATE_ADMIN])

    times: list[float] = []

    def request(lea):
        started = time.monotonic()
        response = client.post(reverse("reports:lea_report_request", args=[lea.leaid, cycle.pk]))
        assert response.status_code == 302
        times.append(time.monotonic() - started)
        return response

    with celery_broker(outage_redis.url):
        # Before the outage: the worker starts on the first; the second waits in Redis,
        # which loses it when it stops (no persistence, as after a crash).
        request(leas[0])
        request(leas[1])
        first = ReportJob.objects.get(lea=leas[0])
        wait_for(
            lambda: ReportJob.objects.get(pk=first.pk).status == ReportJob.Status.RUNNING,
            timeout=60,
            what="the first render to start",
        )
        outage_redis.stop()

        for lea in leas[2:4]:
            response = request(lea)
            page = client.get(response.url)
            assert page.status_code == 200
            assert "cannot be reached right now" in page.content.decode()
        # No waiting on a broker that is away: no slower than a request made while it was up
        # (give or take the machine's load; redis-py alone would retry for six seconds).
        assert max(times[2:]) < max(times[:2]) + 3, times
        down = ReportJob.objects.filter(lea__in=leas[2:4])
        assert {(job.status, job.enqueued_at) for job in down} == {("queued", None)}

        time.sleep(3)  # the outage lasts a few seconds
        outage_redis.start()
        back = time.monotonic()
        jobs = ReportJob.objects.filter(lea__in=leas[:4])
        try:
            wait_for(lambda: _all_finished(jobs), timeout=150, what="every request to finish")
        except AssertionError:
            raise AssertionError(worker.log()) from None
        took = time.monotonic() - back

    print(f"\nall four requests done {took:.1f} s after Redis returned")
    assert took < BACK_WITHIN, f"{took:.0f} s after Redis returned"
    _assert_each_done_once(jobs, media, worker.log())
    assert {job.attempts for job in jobs.all()} == {1}


def test_a_worker_killed_mid_batch_loses_no_report_and_none_shows_running_for_long(
    celery_worker_process, report_world, kill_redis, settings, tmp_path
):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = str(media)
    first = _worker(celery_worker_process, kill_redis, media, tmp_path, "first", concurrency=2)
    with celery_broker(kill_redis.url):
        batch = report_batch_request(
            user=report_world["users"][Role.STATE_ADMIN],
            state=report_world["state"],
            cycle=report_world["cycle"],
        )
    jobs = batch.jobs.all()
    assert jobs.count() == 6

    def two_mid_render():
        running = jobs.filter(status=ReportJob.Status.RUNNING, progress__gte=20)
        return running.count() == 2

    try:
        wait_for(two_mid_render, timeout=90, interval=0.05, what="two renders under way")
    except AssertionError:
        raise AssertionError(first.log()) from None
    os.killpg(first.process.pid, signal.SIGKILL)  # the worker, its children and its beat
    first.process.wait(timeout=10)
    killed = time.monotonic()
    # Whatever shows running now was held by the dead worker.
    held = dict(jobs.filter(status=ReportJob.Status.RUNNING).values_list("pk", "task_id"))
    assert len(held) >= 1

    # Its replacement (a restart policy, or another worker of the pool, with beat).
    second = _worker(celery_worker_process, kill_redis, media, tmp_path, "second", concurrency=2)
    released: dict[int, float] = {}

    def recovered() -> bool:
        now = time.monotonic() - killed
        rows = list(jobs.all())  # a fresh read each time
        for job in rows:
            dead_attempt = job.status == ReportJob.Status.RUNNING and job.task_id == held.get(
                job.pk
            )
            if job.pk in held and job.pk not in released and not dead_attempt:
                released[job.pk] = now
        return all(job.is_finished for job in rows)

    try:
        wait_for(recovered, timeout=180, interval=0.2, what="the batch to finish")
    except AssertionError:
        raise AssertionError(second.log()) from None

    assert set(released) == set(held)
    slowest = max(released.values())
    print(f"\nkilled worker's jobs shown running at most {slowest:.1f} s after its death")
    assert slowest < RELEASED_WITHIN, f"a dead attempt showed running for {slowest:.0f} s"
    _assert_each_done_once(jobs, media, second.log())
    # The dead worker's jobs were queued again by the sweep and claimed a second time.
    assert {job.pk: job.attempts for job in jobs.all() if job.pk in held} == dict.fromkeys(held, 2)
    assert "report sweep: " in second.log() and "restarted" in second.log()
