"""Fault test: PostgreSQL restarts while several people autosave answers.

A throwaway PostgreSQL cluster (initdb, on a port of its own) and the portal under
gunicorn against it; four clients, each signed in with a session, autosave their own
indicators as fast as the server answers while the cluster is restarted (`pg_ctl restart
-m fast`, twice). Then: every save the server acknowledged (a 200) is in the database with
its note; no reply was ever a 500 (a 503 with Retry-After is the answer while the database
is away); and pages and saves work again afterwards.

It needs the PostgreSQL server binaries and root (to run them as the postgres user), and
runs in the worker session (marker `worker`), which waits on processes anyway.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import psycopg2
import pytest
import requests

from tests.storage_server import free_port

pytestmark = [pytest.mark.worker, pytest.mark.slow]

PG_BINS = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
# Ports of their own, found free when the module loads (a fixed one can be held by another
# run's server on a shared machine).
PG_PORT = free_port()
WEB_PORT = free_port()
CLIENTS = 4
ROOT = Path(__file__).resolve().parent.parent

if not PG_BINS or os.geteuid() != 0 or shutil.which("runuser") is None:
    pytest.skip(
        "needs PostgreSQL's server binaries and root to run them as postgres",
        allow_module_level=True,
    )
PG_BIN = PG_BINS[-1].parent

SETUP = """
from accounts.models import Role
from tests.factories import AssessmentFactory, LEAFactory, StateFactory, UserFactory
state = StateFactory(code="NH")
assessment = AssessmentFactory(lea=LEAFactory(state=state))
for n in range({clients}):
    UserFactory(username=f"staff{{n}}", role=Role.STATE_STAFF, state=state)
codes = list(assessment.cycle.framework.spec.indicator_codes)
print(assessment.pk, " ".join(codes))
"""


def _as_postgres(*args: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True)


@pytest.fixture
def cluster():
    """A PostgreSQL cluster of its own in a temporary folder; (data dir, URL)."""
    folder = Path(tempfile.mkdtemp(prefix="cbe-pg-restart-"))
    shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    _as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    options = f"-p {PG_PORT} -k {folder} -c listen_addresses=127.0.0.1"
    pg_ctl = [str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log")]
    _as_postgres(*pg_ctl, "-w", "start")
    try:
        _as_postgres(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(PG_PORT), "cbe")
        yield pg_ctl, f"postgres://postgres@127.0.0.1:{PG_PORT}/cbe"
    finally:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *pg_ctl, "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def portal(cluster, tmp_path):
    """gunicorn serving the portal against the cluster, with demo rows; (pg_ctl, base URL,
    database URL, assessment id, indicator codes)."""
    pg_ctl, database_url = cluster
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "CBE_TEST_DB_FILE")
    }
    env.update(
        DATABASE_URL=database_url,
        CBE_VAR_DIR=str(tmp_path / "var"),
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        AXES_ENABLED="false",
        ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SETTINGS_MODULE="cbe_portal.settings",
    )
    manage = [sys.executable, "manage.py"]
    run = {"env": env, "cwd": ROOT, "check": True, "capture_output": True, "text": True}
    subprocess.run([*manage, "migrate", "--noinput"], **run)
    out = subprocess.run([*manage, "shell", "-c", SETUP.format(clients=CLIENTS)], **run).stdout
    pk, codes = out.strip().splitlines()[-1].split(" ", 1)
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "cbe_portal.wsgi", "--bind", f"127.0.0.1:{WEB_PORT}"]
        + [
            "--workers",
            "2",
            "--threads",
            "4",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--preload",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{WEB_PORT}"
    try:
        for _ in range(120):
            try:
                requests.get(f"{base}/accounts/login/", timeout=30)
                break
            except requests.RequestException:
                time.sleep(0.5)
        yield pg_ctl, base, database_url, int(pk), codes.split()
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _signed_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{base}/accounts/login/", timeout=60)
    response = session.post(
        f"{base}/accounts/login/",
        data={
            "username": username,
            "password": "test-password-2026",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=60,
    )
    assert response.status_code == 200 and "sessionid" in session.cookies, response.text[:300]
    return session


class Client(threading.Thread):
    """Autosaves its own indicators in turn until told to stop; keeps every reply's status
    and every acknowledged note."""

    def __init__(self, base: str, username: str, pk: int, codes: list[str], stop):
        super().__init__(daemon=True)
        self.session = _signed_in(base, username)
        self.url = f"{base}/assessments/{pk}/answers/{{}}/"
        self.codes, self.stop, self.username = codes, stop, username
        self.versions = dict.fromkeys(codes, 0)
        self.statuses: Counter[int] = Counter()
        self.acknowledged: list[tuple[str, str]] = []  # (indicator, note)
        self.bad: list[str] = []

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            code = self.codes[n % len(self.codes)]
            note = f"{self.username} save {n}"
            n += 1
            try:
                response = self.session.post(
                    self.url.format(code),
                    data={"choice": "2", "evidence": note, "version": self.versions[code]},
                    headers={"X-CSRFToken": self.session.cookies["csrftoken"]},
                    timeout=30,
                )
            except requests.RequestException as exc:
                self.bad.append(f"{code}: no reply ({exc})")
                continue
            self.statuses[response.status_code] += 1
            if response.status_code == 200:
                self.versions[code] = response.json()["version"]
                self.acknowledged.append((code, note))
            elif response.status_code == 409:
                # An earlier save was stored although its reply was a 503.
                self.versions[code] = response.json()["theirs"]["version"]
            elif response.status_code == 503:
                if response.headers.get("Retry-After") is None:
                    self.bad.append("a 503 without Retry-After")
                time.sleep(0.05)
            else:
                self.bad.append(f"{code}: {response.status_code} {response.text[:200]}")


def test_no_acknowledged_save_is_lost_and_no_500_while_postgresql_restarts(portal):
    pg_ctl, base, database_url, pk, codes = portal
    stop = threading.Event()
    clients = [Client(base, f"staff{n}", pk, codes[n::CLIENTS][:3], stop) for n in range(CLIENTS)]
    for client in clients:
        client.start()
    time.sleep(2)
    for _ in range(2):
        _as_postgres(*pg_ctl, "-m", "fast", "-w", "restart")
        time.sleep(2)
    stop.set()
    for client in clients:
        client.join(timeout=60)

    statuses = sum((c.statuses for c in clients), Counter())
    print("replies:", dict(statuses))  # shown with pytest -s
    assert [problem for c in clients for problem in c.bad] == []
    assert 500 not in statuses
    assert statuses[200] >= 10

    # Every acknowledged note is in the database: in the answer's history, and the last
    # acknowledged one of each indicator is the answer now (or a later one whose
    # reply was lost in the restart).
    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.code, h.evidence FROM readiness_historicalanswer h "
            "JOIN readiness_indicator i ON i.id = h.indicator_id WHERE h.assessment_id = %s",
            [pk],
        )
        stored = set(cursor.fetchall())
        cursor.execute(
            "SELECT i.code, a.evidence FROM readiness_answer a "
            "JOIN readiness_indicator i ON i.id = a.indicator_id WHERE a.assessment_id = %s",
            [pk],
        )
        current = dict(cursor.fetchall())
    acknowledged = [pair for c in clients for pair in c.acknowledged]
    assert [pair for pair in acknowledged if pair not in stored] == []
    for client in clients:
        last = {code: note for code, note in client.acknowledged}
        for code, note in last.items():
            number = int(note.rsplit(" ", 1)[1])
            assert int(current[code].rsplit(" ", 1)[1]) >= number, (code, note, current[code])

    # Afterwards pages and saves work again.
    client = clients[0]
    assert client.session.get(f"{base}/assessments/{pk}/", timeout=60).status_code == 200
    code = client.codes[0]
    response = client.session.post(
        client.url.format(code),
        data={"choice": "3", "evidence": "after", "version": client.versions[code]},
        headers={"X-CSRFToken": client.session.cookies["csrftoken"]},
        timeout=60,
    )
    assert response.status_code == 200, response.text[:300]
