"""What the sweeps ask a Redis broker, against a throwaway redis-server of their own:
does it answer at once, and is it still the server the jobs were handed to?"""

import shutil
import time

import pytest

from jobs.broker import broker_refuses, broker_restart_seen
from tests.reports.conftest import ThrowawayRedis, celery_broker

PORT = 26393  # below the kernel's range for outgoing connections


@pytest.fixture
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = ThrowawayRedis(PORT, tmp_path)
    if server.is_up():
        pytest.skip(f"port {PORT} is already in use")
    server.start()
    yield server
    server.stop()


def test_a_stopped_redis_is_told_at_once_and_a_running_one_is_not(redis_server):
    with celery_broker(redis_server.url) as app:
        assert broker_refuses(app=app) is False
        redis_server.stop()
        started = time.monotonic()
        assert broker_refuses(app=app) is True
        assert broker_restart_seen(app=app, name="test") is False  # cannot tell: wait
        assert time.monotonic() - started < 2


def test_a_sweep_sees_a_restarted_redis_once(redis_server):
    with celery_broker(redis_server.url) as app:
        assert broker_restart_seen(app=app, name="test") is True  # its first look
        assert broker_restart_seen(app=app, name="test") is False
        assert broker_restart_seen(app=app, name="other") is True  # each sweep its own

        redis_server.stop()
        redis_server.start()  # a new server: every message it held is gone
        assert broker_restart_seen(app=app, name="test") is True
        assert broker_restart_seen(app=app, name="test") is False


def test_a_broker_that_is_not_redis_is_never_taken_for_down_or_restarted(settings):
    from cbe_portal.celery import app

    if not app.conf.broker_url.startswith("filesystem"):
        pytest.skip("the embedded broker is not in use")
    assert broker_refuses(app=app) is False
    assert broker_restart_seen(app=app, name="test") is False
