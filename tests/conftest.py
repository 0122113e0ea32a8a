import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from accounts.models import Role
from frameworks.models import FrameworkVersion

from .factories import (
    FRAMEWORK_PATH,
    CycleFactory,
    LEAFactory,
    StateFactory,
    UserFactory,
    shipped_framework,
    shipped_framework_v2,
)

__all__ = ["FRAMEWORK_PATH"]

# Loading a framework writes ~60 rows through the ORM (about a second each): both shipped
# versions are loaded once per session and committed, so every test's transaction starts
# with them. The `framework` fixture is v1, which most tests are written against;
# `framework_v2` is the version new cycles use.
_session = {"db_blocker": None}


def pytest_collection_finish(session):
    # The test database on SQLite is in memory, which a Celery worker process cannot
    # open: when worker tests are selected, the whole session uses a file instead.
    if any(item.get_closest_marker("worker") for item in session.items):
        from django.conf import settings

        database = settings.DATABASES["default"]
        if database["ENGINE"].endswith("sqlite3") and not database["TEST"].get("NAME"):
            worker = os.environ.get("PYTEST_XDIST_WORKER", "")
            name = f"test-db-{worker}.sqlite3" if worker else "test-db.sqlite3"
            database["TEST"]["NAME"] = str(Path(settings.VAR_DIR) / name)


def pytest_configure(config):
    # The settings redirect plain http to https when DEBUG is off, as in production; the
    # test client and the live server speak plain http. tests/test_security_settings.py
    # checks the production values themselves.
    from django.conf import settings

    settings.SECURE_SSL_REDIRECT = False
    # Hashing strength is not under test, and PBKDF2 at full strength costs about half a
    # second a password. Set for the whole session, not per test: users made by
    # module-scoped fixtures (module_db) and by django_db_setup are hashed before any
    # function-scoped fixture could change the setting.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _worker_own_cache_and_media(settings)


def _worker_own_cache_and_media(settings) -> None:
    """Under pytest-xdist (`-n 2`, as `make test` runs the fast set) each worker process
    has its own test database (pytest-django adds the worker's name: test_cbe_portal_gw0);
    here it gets its own cache and media folder too, so one worker's `cache.clear()` or
    throttle counts never reach a test running in the other. Worker N's Redis cache is the
    session's database + 2 + N: under CI=true the fast set's is 1 and the browser and
    worker session's 2, so the fast set's two workers use 3 and 4."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    cache = settings.CACHES["default"]
    if cache["BACKEND"].endswith("RedisCache"):
        url = urlsplit(cache["LOCATION"])
        database = int(url.path.strip("/") or 0) + 2 + int(worker.removeprefix("gw"))
        if database > 15:
            raise pytest.UsageError(f"{worker} would need Redis database {database}")
        cache["LOCATION"] = urlunsplit(url._replace(path=f"/{database}"))
    else:
        cache["LOCATION"] = f"{cache['LOCATION']}-{worker}"
    settings.MEDIA_ROOT = Path(settings.MEDIA_ROOT) / worker


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _shipped_frameworks()
    _session["db_blocker"] = django_db_blocker


def _shipped_frameworks():
    """Both shipped framework versions in the database. The first time they are loaded
    from their files (v1 first, so the newer version keeps the higher primary key) and
    their rows are kept; after a flush the same rows are put back in a few bulk inserts,
    which is much faster than loading the files again."""
    from frameworks.models import Domain, Indicator, Lever

    if FrameworkVersion.objects.exists():
        shipped_framework()
        shipped_framework_v2()
        return
    if not _rows:
        shipped_framework()
        shipped_framework_v2()
        _rows.extend(
            (model, list(model.objects.order_by("pk")))
            for model in (FrameworkVersion, Domain, Lever, Indicator, Indicator.levers.through)
        )
        return
    for model, rows in _rows:
        model.objects.bulk_create(rows)


_rows: list = []  # (model, rows) of the shipped frameworks, in insertion order


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    # A transactional test (transactional_db, live_server, worker tests) ends by flushing
    # every table, the session's framework included: put it back for the tests after it.
    # (After the last test the test database is gone: there is nothing to put back.)
    result = yield
    blocker = _session["db_blocker"]
    if blocker is not None and nextitem is not None and _is_transactional(item):
        with blocker.unblock():
            _shipped_frameworks()
    return result


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (
        marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
    ):
        return True
    return bool(
        {"transactional_db", "live_server", "django_db_reset_sequences", "celery_worker_process"}
        & set(item.fixturenames)
    )


@pytest.fixture(autouse=True)
def _dashboard_pages_drawn_afresh():
    """Each test draws the dashboards from its own rows: ids are reused from one test's
    rolled-back rows to the next, and many tests write rows directly (not through the
    services that move the figures' generation), so no kept page, nor the frame drawn
    around it for a viewer, may outlive a test."""
    from cbe_portal.figures import pages_forgotten
    from cbe_portal.frames import frames_forgotten

    pages_forgotten()
    frames_forgotten()


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker):
    """An open transaction around a module, like Django's setUpTestData: rows that the
    module's fixtures write after asking for this are shared by its tests (each test's
    own transaction nests inside as a savepoint) and rolled back after its last test.
    Only for modules whose tests are not transactional."""
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def framework(db):
    return shipped_framework()


@pytest.fixture
def framework_v2(db):
    return shipped_framework_v2()


@pytest.fixture
def without_framework(db):
    """For tests of loading itself: the session's framework rows are gone until the test
    ends (the deletion is rolled back with the test's transaction)."""
    FrameworkVersion.objects.all().delete()


@pytest.fixture
def two_states(framework):
    """Two states, each with two LEAs and an open cycle, and a user of every role per state."""
    world = {}
    for code in ("NH", "VT"):
        state = StateFactory(code=code, name=f"State {code}")
        leas = [LEAFactory(state=state), LEAFactory(state=state)]
        cycle = CycleFactory(state=state, framework=framework)
        users = {
            Role.STATE_ADMIN: UserFactory(role=Role.STATE_ADMIN, state=state),
            Role.STATE_STAFF: UserFactory(role=Role.STATE_STAFF, state=state),
            Role.TASK_FORCE: UserFactory(role=Role.TASK_FORCE, state=state),
            Role.DISTRICT_LEADER: UserFactory(role=Role.DISTRICT_LEADER, lea=leas[0], state=state),
        }
        world[code] = {"state": state, "leas": leas, "cycle": cycle, "users": users}
    world["national"] = UserFactory(role=Role.NATIONAL_ADMIN)
    return world


def _database_url_for_worker() -> str:
    """The URL of the database the tests are using right now (the test database)."""
    from django.db import connection

    conf = connection.settings_dict
    if conf["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{conf['NAME']}"
    auth = conf["USER"] + (f":{conf['PASSWORD']}" if conf.get("PASSWORD") else "")
    return f"postgres://{auth}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{conf['NAME']}"


class WorkerProcess:
    """A real `celery worker` process on the configured broker (Redis or the file system)."""

    def __init__(
        self, env_overrides: dict | None = None, concurrency: int = 1, args: list | None = None
    ):
        import os
        import subprocess
        import sys

        env = dict(os.environ)
        env["DATABASE_URL"] = _database_url_for_worker()
        env.update(env_overrides or {})
        self.log_path = Path(env.get("CBE_VAR_DIR", "var")) / f"worker-{os.getpid()}-{id(self)}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "cbe_portal",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"test-{os.getpid()}-{id(self)}@%h",
                *(args or []),
            ],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parent.parent,
            start_new_session=True,
        )

    def child_pids(self) -> list[int]:
        import subprocess

        out = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        return [int(p) for p in out.split()]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        import os
        import signal

        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except Exception:  # noqa: BLE001 - a stuck worker is killed outright
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()


def _purge_embedded_broker():
    from django.conf import settings

    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        for message in folder.glob("*"):
            message.unlink(missing_ok=True)
    else:
        from cbe_portal.celery import app

        app.control.purge()


@pytest.fixture
def celery_worker_process(transactional_db):
    """Start a real Celery worker; yields a WorkerProcess; stops it afterwards."""
    _purge_embedded_broker()
    workers = []

    def start(**kwargs) -> WorkerProcess:
        worker = WorkerProcess(**kwargs)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def wait_for(predicate, *, timeout: float = 90, interval: float = 0.2, what: str = "condition"):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def browser_page(monkeypatch):
    """A page in a fresh Chromium at 1280 x 900; `page.console_errors` collects errors."""
    from .browsing import CHROMIUM, CHROMIUM_ARGS

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's Chromium is not installed")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.console_errors = errors
        yield page
        context.close()
        browser.close()
