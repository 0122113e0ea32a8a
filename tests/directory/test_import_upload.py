"""The LEA import pages: upload, preview, confirm, a real worker imports, progress, scoping.

The upload only stores the file; the preview is a Celery task. Here it runs eagerly (in
this process, when the upload's transaction commits). The worker tests start a real
Celery worker process on the configured broker (the embedded file-system broker locally,
Redis in CI); nothing is mocked there.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

import directory.tasks
from accounts.models import Role
from directory import services as import_services
from directory.models import LEA, ImportJob, State
from directory.services import (
    IMPORT_MAX_BYTES,
    QUEUE_DOWN,
    import_job_confirm,
    import_job_create,
    import_job_run,
)
from tests.browsing import axe_violations, shot
from tests.conftest import wait_for

from ..factories import UserFactory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ccd"
CCD_2022 = FIXTURES / "ccd_lea_directory_2022.csv"  # NH and CT
CCD_2023_NH = FIXTURES / "ccd_lea_directory_2023_nh.csv"

UPLOAD = reverse("imports:upload")


def job_url(name: str, job: ImportJob) -> str:
    return reverse(f"imports:{name}", args=[job.pk])


def upload(client, path: Path | None = None, *, name: str = "", content: bytes = b""):
    """Post a file to the upload page; its preview runs when the request's work commits."""
    if path is not None:
        name, content = name or path.name, path.read_bytes()
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(UPLOAD, {"file": SimpleUploadedFile(name, content, "text/csv")})


def previewed(user, path: Path, *, name: str = "", allowed_states=None) -> ImportJob:
    """A job uploaded through the service, its preview run."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = import_job_create(
            user=user,
            upload=SimpleUploadedFile(name or path.name, path.read_bytes()),
            allowed_states=allowed_states,
        )
    job.refresh_from_db()
    return job


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "upload-tmp"
    (tmp_path / "upload-tmp").mkdir()


@pytest.fixture(autouse=True)
def _eager_tasks(request):
    """Tasks run in this process, except where a real worker process is the point."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    from cbe_portal.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def national(db):
    return UserFactory(role=Role.NATIONAL_ADMIN)


@pytest.fixture
def no_broker(monkeypatch):
    """Confirming records what would be sent instead of talking to the broker."""
    sent = []
    monkeypatch.setattr(
        directory.tasks.import_run, "apply_async", lambda args, **kw: sent.append(args[0])
    )
    return sent


# ------------------------------------------------------------------ who may import


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.STATE_STAFF, Role.TASK_FORCE, Role.DISTRICT_LEADER])
def test_staff_task_force_and_district_leaders_cannot_open_the_upload_page(
    client, two_states, role
):
    client.force_login(two_states["NH"]["users"][role])

    assert client.get(UPLOAD).status_code == 403
    assert upload(client, CCD_2023_NH).status_code == 403
    assert ImportJob.objects.count() == 0


@pytest.mark.django_db
def test_nobody_signed_out_reaches_the_upload_page(client):
    response = client.get(UPLOAD)

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.STATE_STAFF, Role.TASK_FORCE, Role.DISTRICT_LEADER])
def test_other_roles_cannot_read_or_confirm_a_job_of_their_state(client, two_states, role):
    admin = two_states["NH"]["users"][Role.STATE_ADMIN]
    job = previewed(admin, CCD_2023_NH, name="nh.csv", allowed_states=frozenset({"NH"}))
    client.force_login(two_states["NH"]["users"][role])

    for name in ("job_detail", "job_status"):
        assert client.get(job_url(name, job)).status_code in (403, 404)
    assert client.post(job_url("job_confirm", job)).status_code in (403, 404)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED


@pytest.mark.django_db
def test_a_state_administrator_sees_the_upload_page_limited_to_their_state(client, two_states):
    client.force_login(two_states["NH"]["users"][Role.STATE_ADMIN])

    response = client.get(UPLOAD)

    assert response.status_code == 200
    page = response.content.decode()
    assert "You can import the LEAs of New Hampshire" in page
    assert 'type="file"' in page and 'accept=".csv,.txt,text/csv,text/plain"' in page
    assert "usa-file-input" in page


# ------------------------------------------------------------------ preview


@pytest.mark.django_db
def test_a_preview_shows_what_will_change_and_writes_no_lea(client, national):
    client.force_login(national)

    response = upload(client, CCD_2022)

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job_url("job_detail", job)
    assert job.status == ImportJob.Status.PREVIEWED
    assert (job.original_name, job.uploaded_by, job.allowed_states) == (
        "ccd_lea_directory_2022.csv",
        national,
        [],
    )
    assert job.preview["counts"]["created"] == 9 and job.preview["ccd_school_year"] == "2022-2023"
    assert job.file.read() == CCD_2022.read_bytes()
    assert LEA.objects.count() == 0 and State.objects.count() == 0

    page = client.get(response["Location"]).content.decode()
    assert "What this file will change" in page
    assert "LEAs to create (9)" in page
    assert "Granite Falls School District" in page
    assert "school year 2022-2023" in page
    assert "Import these changes" in page


@pytest.mark.django_db
def test_a_preview_lists_updates_closings_and_rejected_rows_with_line_and_column(client, national):
    from directory.importing import ccd_import

    ccd_import(source=CCD_2022)
    client.force_login(national)

    upload(client, CCD_2023_NH)
    page = client.get(job_url("job_detail", ImportJob.objects.get())).content.decode()

    assert "LEAs to update (" in page
    assert "Name: Lakes Region Academy, A Public Charter School → Lakes Region Public" in page
    # The LEA the file lacks is listed, and left alone unless the file is declared complete.
    assert "New Hampshire: not in the file (1)" in page and "Seacoast Collaborative" in page
    assert "left as they are" in page and "LEAs to mark closed" not in page

    upload(client, FIXTURES / "ccd_lea_directory_errors.csv")
    job = ImportJob.objects.latest("pk")
    assert len(job.preview["rejected"]) == job.preview["counts"]["rejected"] == 9
    page = client.get(job_url("job_detail", job)).content.decode()
    assert "Rows rejected (9)" in page
    assert "<td>3</td><td>LEAID</td><td>—</td><td>no LEAID</td>" in page


@pytest.mark.django_db
def test_a_preview_keeps_only_the_first_rows_of_a_long_list(client, national, monkeypatch):
    monkeypatch.setattr(import_services, "SHOWN_ROWS", 4)
    client.force_login(national)

    upload(client, CCD_2022)

    job = ImportJob.objects.get()
    assert len(job.preview["created"]) == 4 and job.preview["counts"]["created"] == 9
    page = client.get(job_url("job_detail", job)).content.decode()
    assert "Showing the first 4 of 9." in page


@pytest.mark.django_db
def test_a_state_administrator_uploading_another_states_rows_is_refused_and_nothing_written(
    client, two_states
):
    client.force_login(two_states["NH"]["users"][Role.STATE_ADMIN])
    before = (LEA.objects.count(), State.objects.count())

    response = upload(client, CCD_2022)  # New Hampshire and Connecticut

    job = ImportJob.objects.get()
    assert response["Location"] == job_url("job_detail", job)
    assert job.status == ImportJob.Status.FAILED and job.finished_at is not None
    assert job.allowed_states == ["NH"]
    assert "CT (3 rows)" in job.error and "You may import only NH" in job.error
    assert (LEA.objects.count(), State.objects.count()) == before
    page = client.get(job_url("job_detail", job)).content.decode()
    assert "This file was not imported" in page and "CT (3 rows)" in page
    assert "Connecticut is not a state you may import" in page  # the rows, with lines
    assert "Import these changes" not in page
    assert client.post(job_url("job_confirm", job)).status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED


@pytest.mark.django_db
def test_a_state_administrator_may_import_their_own_states_file(
    client, two_states, no_broker, django_capture_on_commit_callbacks
):
    client.force_login(two_states["NH"]["users"][Role.STATE_ADMIN])

    upload(client, CCD_2023_NH)
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(job_url("job_confirm", job))
    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.allowed_states == ["NH"] and job.status == ImportJob.Status.DONE
    assert no_broker == [job.pk]
    assert LEA.objects.filter(state__code="NH", leaid__startswith="33").count() == 6


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("not_ccd.csv", "No header row with an LEAID column was found"),
        ("ccd_school_directory.csv", "This is a CCD school file"),
        ("ccd_missing_name_column.csv", "lacks the column(s) LEA_NAME"),
    ],
)
def test_a_file_of_the_wrong_shape_gets_a_clear_message(client, national, fixture, expected):
    client.force_login(national)

    response = upload(client, FIXTURES / fixture)

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED and expected in job.error
    page = client.get(response["Location"]).content.decode()
    assert "This file was not imported" in page and expected in page
    assert LEA.objects.count() == 0 and State.objects.count() == 0


@pytest.mark.django_db
def test_an_oversize_file_is_refused_before_it_is_stored(client, national):
    client.force_login(national)
    content = b"LEAID,LEA_NAME,ST\r\n" + b"x" * IMPORT_MAX_BYTES

    response = upload(client, name="huge.csv", content=content)

    assert response.status_code == 400
    page = response.content.decode()
    assert "the largest file you can upload is 50 MB" in page
    assert "usa-form-group--error" in page
    assert ImportJob.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["districts.xlsx", "districts.pdf", "districts"])
def test_only_csv_and_txt_files_are_accepted(client, national, name):
    client.force_login(national)

    response = upload(client, name=name, content=CCD_2022.read_bytes())

    assert response.status_code == 400
    assert "Choose a .csv or .txt file" in response.content.decode()
    assert ImportJob.objects.count() == 0


@pytest.mark.django_db
def test_an_empty_upload_is_refused_with_a_message(client, national):
    client.force_login(national)

    response = upload(client, name="empty.csv", content=b"")

    assert response.status_code == 400
    assert "This file is empty" in response.content.decode()


# ------------------------------------------------------------------ scoping of jobs


@pytest.mark.django_db
def test_another_states_administrator_cannot_read_or_confirm_someones_job(client, two_states):
    nh_admin = two_states["NH"]["users"][Role.STATE_ADMIN]
    job = previewed(nh_admin, CCD_2023_NH, name="nh.csv", allowed_states=frozenset({"NH"}))
    client.force_login(two_states["VT"]["users"][Role.STATE_ADMIN])

    assert client.get(job_url("job_status", job)).status_code == 404
    assert client.get(job_url("job_detail", job)).status_code == 404
    assert client.post(job_url("job_confirm", job)).status_code == 404
    assert "nh.csv" not in client.get(UPLOAD).content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED


@pytest.mark.django_db
def test_a_state_administrator_sees_their_colleagues_jobs_but_not_national_ones(
    client, two_states, national
):
    nh_admin = two_states["NH"]["users"][Role.STATE_ADMIN]
    colleague = UserFactory(role=Role.STATE_ADMIN, state=two_states["NH"]["state"])
    theirs = previewed(colleague, CCD_2023_NH, name="nh.csv", allowed_states=frozenset({"NH"}))
    nationwide = previewed(national, CCD_2022, name="all.csv")
    client.force_login(nh_admin)

    assert client.get(job_url("job_status", theirs)).status_code == 200
    assert client.get(job_url("job_status", nationwide)).status_code == 404
    client.force_login(national)
    assert client.get(job_url("job_status", theirs)).status_code == 200


# ------------------------------------------------------------------ confirm, queue, progress


@pytest.mark.django_db
def test_confirming_queues_the_job_once(
    client, national, no_broker, django_capture_on_commit_callbacks
):
    client.force_login(national)
    upload(client, CCD_2022)
    job = ImportJob.objects.get()
    previewed_version = job.version

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(job_url("job_confirm", job), follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(job_url("job_confirm", job))  # a double click sends it again, harmlessly

    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED and job.version == previewed_version + 2
    assert (job.phase, job.complete_for, job.expected_closures) == ("import", [], None)
    assert no_broker == [job.pk, job.pk]
    assert "The import has started" in response.content.decode()
    assert LEA.objects.count() == 0  # the worker does the import


@pytest.mark.django_db(transaction=True)  # on_commit runs at the request's own commit
def test_when_the_broker_is_down_the_job_stays_queued_with_a_message(client, national, monkeypatch):
    def refuse(*args, **kwargs):
        raise BrokerDown("[Errno 111] Connection refused")

    monkeypatch.setattr(directory.tasks.import_run, "apply_async", refuse)
    client.force_login(national)
    upload(client, CCD_2022)
    job = ImportJob.objects.get()

    response = client.post(job_url("job_confirm", job), follow=True)

    assert response.status_code == 200
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED and job.error == QUEUE_DOWN
    page = response.content.decode()
    assert "the background job queue did not answer" in page
    assert "Start the import again" in page
    assert client.get(job_url("job_status", job)).json()["message"] == QUEUE_DOWN

    sent = []
    monkeypatch.setattr(
        directory.tasks.import_run, "apply_async", lambda args, **kw: sent.append(args[0])
    )
    client.post(job_url("job_confirm", job))
    job.refresh_from_db()
    assert sent == [job.pk] and job.status == ImportJob.Status.QUEUED and job.error == ""


@pytest.mark.django_db
def test_the_status_endpoint_reports_progress_from_the_cache(client, national, no_broker):
    client.force_login(national)
    upload(client, CCD_2022)
    job = ImportJob.objects.get()
    import_job_confirm(job=job)

    queued = client.get(job_url("job_status", job)).json()
    assert (queued["status"], queued["done"], queued["total"]) == ("queued", 0, 9)
    assert queued["finished"] is False

    job.refresh_from_db()
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING,
        started_at=timezone.now(),
        version=job.version + 1,
    )
    cache.set(import_services._progress_key(job.pk), {"done": 3, "total": 9})
    running = client.get(job_url("job_status", job)).json()
    assert (running["done"], running["total"], running["percent"]) == (3, 9, 33)
    assert running["count"] == "3 of 9 rows"
    page = client.get(job_url("job_detail", job)).content.decode()
    assert '<progress id="import-progress" class="width-full" max="9" value="3"' in page
    assert "3 of 9 rows" in page
    assert 'http-equiv="refresh"' in page  # without JavaScript the page reloads itself
    assert "js/job_poller" in page and "<script>" not in page
    cache.delete(import_services._progress_key(job.pk))


def test_the_worker_service_imports_with_progress_and_ignores_a_second_message(
    db, national, no_broker, monkeypatch
):
    job = previewed(national, CCD_2022, name="all.csv")
    import_job_confirm(job=job)
    seen = []
    real_set = cache.set
    monkeypatch.setattr(
        import_services.cache,
        "set",
        lambda key, value, *a: (seen.append(value), real_set(key, value, *a)),
    )

    import_job_run(job_id=job.pk, task_id="task-1")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.finished_at is not None
    assert job.result["counts"]["created"] == 9 and LEA.objects.count() == 9
    assert seen[0] == {"done": 0, "total": 9} and seen[-1] == {"done": 9, "total": 9}

    version = job.version
    import_job_run(job_id=job.pk, task_id="task-2")  # a late or duplicate message
    job.refresh_from_db()
    assert job.version == version and job.status == ImportJob.Status.DONE


def test_a_job_whose_worker_vanished_can_be_started_again(
    client, db, national, no_broker, django_capture_on_commit_callbacks
):
    job = previewed(national, CCD_2022, name="all.csv")
    long_ago = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING,
        phase=ImportJob.Phase.IMPORT,
        task_id="gone",
        started_at=long_ago,
        heartbeat_at=long_ago,
    )
    client.force_login(national)

    page = client.get(job_url("job_detail", job)).content.decode()
    assert "seems to have stopped" in page and "Start the import again" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(job_url("job_confirm", job))

    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED and no_broker == [job.pk]


def test_an_import_refused_in_the_worker_fails_with_its_message(db, two_states, no_broker):
    job = previewed(
        two_states["NH"]["users"][Role.STATE_ADMIN],
        CCD_2023_NH,
        name="nh.csv",
        allowed_states=frozenset({"NH"}),
    )
    import_job_confirm(job=job)
    # The file on the server changed after the preview: now it has Connecticut's rows too.
    Path(job.file.path).write_bytes(CCD_2022.read_bytes())

    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "CT (3 rows)" in job.error
    assert job.result["problems"][0]["state"] == "CT"
    assert not LEA.objects.filter(leaid__startswith="33").exists()


# ------------------------------------------------------------------ a real worker process


@pytest.mark.worker
def test_a_national_admin_uploads_previews_confirms_and_a_worker_process_imports(
    client, celery_worker_process, tmp_path
):
    national = UserFactory(role=Role.NATIONAL_ADMIN)
    worker = celery_worker_process(env_overrides={"MEDIA_ROOT": str(tmp_path / "media")})
    client.force_login(national)

    response = upload(client, CCD_2022)
    job = ImportJob.objects.get()
    assert "What this file will change" in client.get(response["Location"]).content.decode()
    assert LEA.objects.count() == 0

    client.post(job_url("job_confirm", job))

    def finished():
        job.refresh_from_db()
        return job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED)

    try:
        wait_for(finished, what="the worker to finish the import")
    except AssertionError:
        raise AssertionError(f"worker log:\n{worker.log()}") from None
    assert job.status == ImportJob.Status.DONE, job.error
    assert job.result["counts"]["created"] == 9 and job.result["dry_run"] is False
    assert job.finished_at is not None
    assert LEA.objects.count() == 9
    assert set(LEA.objects.values_list("ccd_school_year", flat=True)) == {"2022-2023"}
    status = client.get(job_url("job_status", job)).json()
    assert status["finished"] and (status["done"], status["total"]) == (9, 9)
    page = client.get(job_url("job_detail", job)).content.decode()
    assert "The import is finished" in page and "What the import changed" in page
    assert "LEAs created (9)" in page


# ------------------------------------------------------------------ in a browser


@pytest.mark.browser
@pytest.mark.worker
def test_the_import_pages_work_in_a_browser_from_upload_to_done(
    live_server, client, celery_worker_process, browser_page, tmp_path, settings
):
    """Screenshots go to $CBE_VAR_DIR/screenshots/import-*.png for a person to look at."""
    from directory.importing import ccd_import

    settings.MEDIA_ROOT = tmp_path / "media"
    worker = celery_worker_process(env_overrides={"MEDIA_ROOT": str(tmp_path / "media")})
    ccd_import(source=CCD_2022)  # so that the 2023 file updates, closes and creates
    national = UserFactory(role=Role.NATIONAL_ADMIN, first_name="Nia", last_name="Okafor")
    client.force_login(national)
    page = browser_page
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )

    page.goto(live_server.url + UPLOAD)
    assert page.locator("h1").inner_text() == "Import LEAs from an NCES file"
    count, report = axe_violations(page)
    assert count == 0, report
    shot(page, "import-upload")

    page.set_input_files("input[type=file]", str(CCD_2023_NH))
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Upload and preview").click()
    assert "What this file will change" in page.content()
    count, report = axe_violations(page)
    assert count == 0, report
    shot(page, "import-preview")

    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Import these changes").click()
    try:
        # The script polls the status endpoint and reloads the page once the job is done.
        page.get_by_text("The import is finished").first.wait_for(timeout=90_000)
    except Exception:
        raise AssertionError(f"worker log:\n{worker.log()}") from None
    count, report = axe_violations(page)
    assert count == 0, report
    shot(page, "import-done")
    assert page.console_errors == []
    assert LEA.objects.get(leaid="3300060").status == LEA.Status.CLOSED
    assert ImportJob.objects.get().status == ImportJob.Status.DONE


@pytest.mark.browser
def test_the_job_page_follows_progress_and_reloads_when_done_and_shows_a_refusal(
    transactional_db, live_server, client, two_states, browser_page, settings
):
    nh_admin = two_states["NH"]["users"][Role.STATE_ADMIN]
    job = previewed(
        nh_admin, CCD_2023_NH, name="ccd_lea_029_2324_nh.csv", allowed_states=frozenset({"NH"})
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING,
        task_id="t",
        started_at=timezone.now(),
    )
    key = import_services._progress_key(job.pk)
    cache.set(key, {"done": 0, "total": 6})
    client.force_login(nh_admin)
    page = browser_page
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )

    page.goto(live_server.url + job_url("job_detail", job))
    assert page.locator("#import-count").inner_text() == "0 of 6 rows"
    cache.set(key, {"done": 4, "total": 6})
    from playwright.sync_api import expect

    expect(page.locator("#import-count")).to_have_text("4 of 6 rows", timeout=10_000)
    assert page.locator("#import-progress").evaluate("bar => [bar.value, bar.max]") == [4, 6]
    count, report = axe_violations(page)
    assert count == 0, report
    shot(page, "import-running")

    import_job_run(job_id=job.pk, task_id="t")  # the same task: it takes the job over
    # The finished page is drawn by the server after the poller reloads; wait for it
    # (not for the poller's own message) so the next navigation does not race the reload.
    page.get_by_role("heading", name="The import is finished").wait_for(timeout=10_000)
    page.wait_for_load_state("load")
    assert page.console_errors == []

    page.goto(live_server.url + UPLOAD)
    page.set_input_files("input[type=file]", str(CCD_2022))  # has Connecticut's rows
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Upload and preview").click()
    assert "This file was not imported" in page.content()
    count, report = axe_violations(page)
    assert count == 0, report
    shot(page, "import-refused")
