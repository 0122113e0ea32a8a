"""Fixtures for the report tests: a scored state with policy, and a throwaway Redis."""

import datetime
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from accounts.models import Role
from assessments.models import Answer, Assessment
from assessments.scores import assessment_rescore
from directory.models import Locale
from frameworks.models import Indicator
from tests.factories import CycleFactory, LEAFactory, StateFactory, UserFactory, profile_create

LOCALES = [Locale.CITY, Locale.SUBURB, Locale.TOWN, Locale.RURAL]
# Lever statuses of the test state in the current cycle (the rest: none).
LEVER_STATUSES = {
    "task_force": ("statewide", "Executive Order 2024-3"),
    "credit_flexibility": ("enacted", "RSA 193-C:3"),
    "innovation_zones": ("exploring", "HB 1120 (2026)"),
}


def rating_for(lea_index: int, indicator_index: int, cycle_shift: int = 0) -> int:
    """A deterministic rating from 1 to 4 that differs between LEAs and indicators."""
    return (lea_index * 7 + indicator_index * 3 + cycle_shift) % 4 + 1


def answers_create(*, assessment, indicators, lea_index: int, cycle_shift: int = 0) -> None:
    Answer.objects.bulk_create(
        Answer(
            assessment=assessment,
            indicator=indicator,
            rating=rating_for(lea_index, i, cycle_shift),
            evidence=f"Note {i} for LEA {lea_index}: <b>not bold</b> & “quoted”."
            if i % 3 == 0
            else "",
        )
        for i, indicator in enumerate(indicators)
    )
    assessment_rescore(assessment=assessment)


@pytest.fixture
def report_world(framework):
    """New Hampshire with six LEAs, all assessed and scored in 2025-26 and 2026-27, a
    policy profile, and one user of every role (the district leader leads LEA 0)."""
    return report_world_create(framework=framework)


def report_world_create(*, framework) -> dict:
    """The rows of `report_world`. A module whose tests only read them can build them
    once on `module_db` instead (tests/reports/test_permissions.py does)."""
    state = StateFactory(code="NH", name="New Hampshire")
    other = StateFactory(code="VT", name="Vermont")
    prior = CycleFactory(
        state=state,
        framework=framework,
        name="2025-26",
        starts_on=datetime.date(2025, 8, 1),
        ends_on=datetime.date(2026, 6, 30),
        is_open=False,
    )
    cycle = CycleFactory(state=state, framework=framework)
    other_cycle = CycleFactory(state=other, framework=framework)
    indicators = list(Indicator.objects.filter(framework=framework).order_by("position"))
    leas = []
    for i in range(6):
        lea = LEAFactory(
            state=state,
            name=f"Test Valley {i} School District",
            locale=LOCALES[i % len(LOCALES)],
        )
        leas.append(lea)
        for c, shift in ((prior, 1), (cycle, 0)):
            assessment = Assessment.objects.create(lea=lea, cycle=c)
            answers_create(
                assessment=assessment, indicators=indicators, lea_index=i, cycle_shift=shift
            )
    other_lea = LEAFactory(state=other, name="Other State District")
    other_assessment = Assessment.objects.create(lea=other_lea, cycle=other_cycle)
    answers_create(assessment=other_assessment, indicators=indicators, lea_index=9)
    profile_create(state=state, cycle=cycle, statuses=LEVER_STATUSES)
    users = {
        Role.NATIONAL_ADMIN: UserFactory(role=Role.NATIONAL_ADMIN),
        Role.STATE_ADMIN: UserFactory(role=Role.STATE_ADMIN, state=state),
        Role.STATE_STAFF: UserFactory(role=Role.STATE_STAFF, state=state),
        Role.TASK_FORCE: UserFactory(role=Role.TASK_FORCE, state=state),
        Role.DISTRICT_LEADER: UserFactory(role=Role.DISTRICT_LEADER, lea=leas[0], state=state),
    }
    outsiders = {
        Role.STATE_ADMIN: UserFactory(role=Role.STATE_ADMIN, state=other),
        Role.TASK_FORCE: UserFactory(role=Role.TASK_FORCE, state=other),
        Role.DISTRICT_LEADER: UserFactory(role=Role.DISTRICT_LEADER, lea=other_lea, state=other),
    }
    return {
        "state": state,
        "cycle": cycle,
        "prior": prior,
        "leas": leas,
        "indicators": indicators,
        "users": users,
        "outsiders": outsiders,
        "other_state": other,
        "other_cycle": other_cycle,
        "other_lea": other_lea,
    }


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


# --- a throwaway Redis on its own port (never the machine's Redis on 6379) ---------------


class ThrowawayRedis:
    def __init__(self, port: int, folder: Path):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.pidfile = folder / f"redis-{port}.pid"
        self.folder = folder

    def start(self) -> None:
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.pidfile),
                "--dir",
                str(self.folder),
            ],
            check=True,
            capture_output=True,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.is_up():
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def is_up(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), 0.2).close()
        except OSError:
            return False
        return True

    def stop(self) -> None:
        # Only ever the server this fixture started, by its own port.
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True
        )
        deadline = time.monotonic() + 10
        while self.is_up() and time.monotonic() < deadline:
            time.sleep(0.05)


@pytest.fixture
def throwaway_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = ThrowawayRedis(6391, tmp_path)
    if server.is_up():
        pytest.skip("port 6391 is already in use")
    server.start()
    yield server
    server.stop()


@contextmanager
def celery_broker(url: str):
    """Point this process's Celery app (the web side) at another broker for a while."""
    from kombu import pools

    from cbe_portal.celery import app

    def forget_connections():
        pools.reset()  # kombu's process-wide connection and producer pools
        app._pool = None
        app.amqp._producer_pool = None

    saved = (app.conf.broker_url, app.conf.broker_transport_options)
    app.conf.broker_url = url
    app.conf.broker_transport_options = {"visibility_timeout": 3600}
    forget_connections()
    try:
        yield app
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = saved
        forget_connections()
