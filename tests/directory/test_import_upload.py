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

import directory.forms
import directory.tasks
import directory.views
from accounts.models import Role
from directory import services as import_services
from directory.forms import LimitedUploadHandler
from directory.models import LEA, ImportJob, State
from directory.services import (
    IMPORT_MAX_BYTES,
    QUEUE_DOWN,
    Confirm,
    import_job_confirm,
    import_job_create,
    import_job_expire_abandoned,
    import_job_run,
)
from tests.browsing import axe_violations, shot
from tests.conftest import wait_for

from ..factories import LEAFactory, StateFactory, UserFactory

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

    for name in ("job_detail", "job_status", "job_close"):
        assert client.get(job_url(name, job)).status_code in (403, 404)
    for name in ("job_confirm", "job_close", "job_cancel"):
        assert client.post(job_url(name, job)).status_code in (403, 404)
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


def stored_files(tmp_path) -> list[Path]:
    """Every file left in media storage or in the upload handler's temporary folder."""
    return [
        path
        for path in tmp_path.rglob("*")
        if path.is_file() and {"media", "upload-tmp"} & set(path.relative_to(tmp_path).parts)
    ]


@pytest.mark.django_db
def test_an_upload_that_says_it_is_too_large_is_refused_before_any_of_it_is_stored(
    client, national, tmp_path, monkeypatch
):
    monkeypatch.setattr(directory.views, "IMPORT_MAX_BYTES", 100_000)
    chunks = []
    real = LimitedUploadHandler.receive_data_chunk
    monkeypatch.setattr(
        LimitedUploadHandler,
        "receive_data_chunk",
        lambda self, data, start: (chunks.append(len(data)), real(self, data, start))[1],
    )
    client.force_login(national)

    response = upload(client, name="big.csv", content=b"LEAID,LEA_NAME,ST\r\n" + b"x" * 2_000_000)

    assert response.status_code == 400
    page = response.content.decode()
    assert "the largest file you can upload is 50 MB, so it was not stored" in page
    assert "usa-form-group--error" in page and "District file from NCES" in page
    assert chunks == []  # the declared size was enough: nothing was written anywhere
    assert ImportJob.objects.count() == 0 and stored_files(tmp_path) == []


@pytest.mark.django_db
def test_an_upload_over_the_limit_is_dropped_while_it_is_read_and_leaves_no_file(
    client, national, tmp_path, monkeypatch
):
    """A request whose declared length does not give it away (chunked, or the file is just
    over the limit) is read chunk by chunk and dropped as soon as it passes the limit."""
    monkeypatch.setattr(directory.views, "IMPORT_MAX_BYTES", 300_000)
    monkeypatch.setattr(directory.forms, "FRAMING_BYTES", 10**9)  # ignore the declared length
    chunks = []
    real = LimitedUploadHandler.receive_data_chunk
    monkeypatch.setattr(
        LimitedUploadHandler,
        "receive_data_chunk",
        lambda self, data, start: (chunks.append(len(data)), real(self, data, start))[1],
    )
    client.force_login(national)

    response = upload(client, name="big.csv", content=b"LEAID,LEA_NAME,ST\r\n" + b"x" * 3_000_000)

    assert response.status_code == 400
    assert "so it was not stored" in response.content.decode()
    assert sum(chunks) <= 300_000 + max(chunks)  # stopped at the limit, not at 3 MB
    assert ImportJob.objects.count() == 0 and stored_files(tmp_path) == []


@pytest.mark.django_db
def test_the_upload_returns_at_once_and_the_preview_arrives_from_the_task(
    client, national, django_capture_on_commit_callbacks
):
    client.force_login(national)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            UPLOAD, {"file": SimpleUploadedFile("all.csv", CCD_2022.read_bytes(), "text/csv")}
        )

    job = ImportJob.objects.get()
    assert response["Location"] == job_url("job_detail", job)
    assert (job.status, job.phase, job.preview) == ("queued", "preview", {})
    assert job.file.read() == CCD_2022.read_bytes()
    status = client.get(job_url("job_status", job)).json()
    assert (status["label"], status["finished"], status["page"]) == (
        "Waiting for preview",
        False,
        "active",
    )
    page = client.get(job_url("job_detail", job)).content.decode()
    assert "Waiting for the background worker to read the file" in page
    assert "js/job_poller" in page and "Cancel and delete the file" in page

    for callback in callbacks:  # the commit hands the preview to the (eager) worker
        callback()

    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED and job.preview["counts"]["created"] == 9
    assert job.attempts == 1 and job.heartbeat_at is not None and job.finished_at is not None
    assert client.get(job_url("job_status", job)).json()["page"] == "previewed"
    assert LEA.objects.count() == 0


@pytest.mark.django_db
def test_a_refused_preview_deletes_the_uploaded_file(client, two_states, tmp_path):
    client.force_login(two_states["NH"]["users"][Role.STATE_ADMIN])

    upload(client, CCD_2022)  # has Connecticut's rows

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED and not job.file
    assert stored_files(tmp_path) == []
    assert client.get(job_url("job_detail", job)).context["job"].status_label == "Refused"


def sixty_leas_in_nh():
    nh = StateFactory(code="NH", name="New Hampshire", fips="33")
    for n in range(60):
        LEAFactory(state=nh, leaid=f"33{100 + n:05d}", name=f"Upland District {n:02d}")


ONE_ROW = b"LEAID,LEA_NAME,ST\r\n3300100,Upland District 00,NH\r\n"


@pytest.mark.django_db
def test_a_one_row_file_offers_no_closing_until_the_state_is_declared_complete(
    client, national, no_broker, django_capture_on_commit_callbacks
):
    sixty_leas_in_nh()
    client.force_login(national)

    upload(client, name="one_row.csv", content=ONE_ROW)

    job = ImportJob.objects.get()
    page = client.get(job_url("job_detail", job)).content.decode()
    assert "New Hampshire: not in the file (59)" in page and "Upland District 59" in page
    assert "59 operating LEA(s) of NH are not in the file and are left as they are" in page
    assert "Import these changes, closing no LEA" in page
    assert "Close these" not in page
    checkbox = 'type="checkbox" name="complete_for" value="NH"'
    assert checkbox in page and f"{checkbox} checked" not in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(job_url("job_confirm", job))
    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.result["counts"]["closed"] == 0
    assert LEA.objects.filter(status=LEA.Status.CLOSED).count() == 0


@pytest.mark.django_db
def test_closing_needs_the_half_rule_override_and_the_exact_count_of_named_leas(
    client, national, no_broker, django_capture_on_commit_callbacks
):
    sixty_leas_in_nh()
    client.force_login(national)
    upload(client, name="one_row.csv", content=ONE_ROW)
    job = ImportJob.objects.get()
    close = job_url("job_close", job)

    nothing = client.get(close)
    assert nothing.status_code == 400
    assert "Tick at least one state" in nothing.content.decode()

    partial = client.get(close, {"complete_for": "NH"})
    assert partial.status_code == 400
    assert "fewer than half, so it is taken as part of the state" in partial.content.decode()

    review = client.get(close, {"complete_for": "NH", "partial_ok": "NH"})
    assert review.status_code == 200
    page = review.content.decode()
    assert "Close these 59 LEAs and import" in page
    assert all(f"Upland District {n:02d}" in page for n in range(1, 60))
    assert '<th scope="row">Upland District 00</th>' not in page  # it is in the file

    wrong = client.post(close, {"complete_for": "NH", "partial_ok": "NH", "count": "58"})
    assert wrong.status_code == 400
    assert "You typed 58, but 59 LEAs would be closed" in wrong.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED and no_broker == []

    with django_capture_on_commit_callbacks(execute=True):
        client.post(close, {"complete_for": "NH", "partial_ok": "NH", "count": "59"})
    job.refresh_from_db()
    assert (job.status, job.phase) == ("queued", "import")
    assert (job.complete_for, job.partial_ok, job.expected_closures) == (["NH"], ["NH"], 59)
    assert no_broker == [job.pk]

    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.result["counts"]["closed"] == 59
    assert LEA.objects.filter(status=LEA.Status.CLOSED).count() == 59


@pytest.mark.django_db
def test_a_confirmed_count_that_no_longer_matches_is_refused_by_service_and_worker(
    national, no_broker
):
    sixty_leas_in_nh()
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = import_job_create(
            user=national,
            upload=SimpleUploadedFile("one_row.csv", ONE_ROW),
            allowed_states=None,
        )
    job.refresh_from_db()

    outcome = import_job_confirm(
        job=job, complete_for=["NH"], partial_ok=["NH"], expected_closures=60
    )
    assert outcome == Confirm.CHANGED
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED

    import_job_confirm(job=job, complete_for=["NH"], partial_ok=["NH"], expected_closures=59)
    LEAFactory(state=State.objects.get(code="NH"), leaid="3300999")  # appeared meanwhile
    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "would now close 60 LEA(s), but 59 were confirmed" in job.error
    assert LEA.objects.filter(status=LEA.Status.CLOSED).count() == 0


@pytest.mark.django_db
def test_cancelling_a_preview_deletes_its_file_at_once(client, national, no_broker, tmp_path):
    client.force_login(national)
    upload(client, CCD_2022)
    job = ImportJob.objects.get()
    assert stored_files(tmp_path) != []

    response = client.post(job_url("job_cancel", job), follow=True)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED and not job.file
    assert stored_files(tmp_path) == []
    assert "This import was cancelled" in response.content.decode()
    client.post(job_url("job_confirm", job))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED and no_broker == []


@pytest.mark.django_db
def test_an_abandoned_preview_expires_after_the_set_hours_and_its_file_is_deleted(
    client, national, settings, tmp_path
):
    settings.IMPORT_ABANDONED_HOURS = 6
    client.force_login(national)
    upload(client, CCD_2022, name="old.csv")
    upload(client, CCD_2022, name="recent.csv")
    old, recent = ImportJob.objects.get(original_name="old.csv"), ImportJob.objects.latest("pk")
    old_path, recent_path = Path(old.file.path), Path(recent.file.path)
    ImportJob.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(hours=7))
    ImportJob.objects.filter(pk=recent.pk).update(finished_at=timezone.now() - timedelta(hours=5))

    assert import_job_expire_abandoned() == 1

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.status == ImportJob.Status.EXPIRED and not old.file and not old_path.exists()
    assert "within 6 hours" in old.error
    assert recent.status == ImportJob.Status.PREVIEWED and recent_path.exists()
    page = client.get(job_url("job_detail", old)).content.decode()
    assert "This preview expired" in page and "Import these changes" not in page
    assert import_job_expire_abandoned() == 0


@pytest.mark.django_db
def test_the_expiry_command_and_beat_task_expire_abandoned_previews(national, settings):
    from io import StringIO

    from django.core.management import call_command

    job = previewed(national, CCD_2022)
    ImportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(days=2))
    out = StringIO()

    call_command("import_expire", stdout=out)

    assert "1 import preview(s) older than 24 hours expired" in out.getvalue()
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.EXPIRED
    assert directory.tasks.import_expire_abandoned.apply().get() == 0
    assert "import-expire-abandoned" in settings.CELERY_BEAT_SCHEDULE


# ------------------------------------------------------------------ scoping of jobs


@pytest.mark.django_db
def test_another_states_administrator_cannot_read_or_confirm_someones_job(client, two_states):
    nh_admin = two_states["NH"]["users"][Role.STATE_ADMIN]
    job = previewed(nh_admin, CCD_2023_NH, name="nh.csv", allowed_states=frozenset({"NH"}))
    client.force_login(two_states["VT"]["users"][Role.STATE_ADMIN])

    assert client.get(job_url("job_status", job)).status_code == 404
    assert client.get(job_url("job_detail", job)).status_code == 404
    assert client.post(job_url("job_confirm", job)).status_code == 404
    assert client.get(job_url("job_close", job), {"complete_for": "NH"}).status_code == 404
    assert client.post(job_url("job_cancel", job)).status_code == 404
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
    assert job.status == ImportJob.Status.QUEUED and job.phase == ImportJob.Phase.PREVIEW

    def finished():
        job.refresh_from_db()
        return job.status in (
            ImportJob.Status.PREVIEWED,
            ImportJob.Status.DONE,
            ImportJob.Status.FAILED,
        )

    try:
        wait_for(finished, what="the worker to preview the upload")
    except AssertionError:
        raise AssertionError(f"worker log:\n{worker.log()}") from None
    assert job.status == ImportJob.Status.PREVIEWED, job.error
    assert "What this file will change" in client.get(response["Location"]).content.decode()
    assert LEA.objects.count() == 0

    client.post(job_url("job_confirm", job))

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
    try:
        # The worker previews the file; the page polls and reloads when the preview is in.
        page.get_by_role("heading", name="What this file will change").wait_for(timeout=90_000)
    except Exception:
        raise AssertionError(f"worker log:\n{worker.log()}") from None
    page.wait_for_load_state("load")
    assert "Seacoast Collaborative" in page.content()  # missing from the file, left alone
    count, report = axe_violations(page)
    assert count == 0, report
    shot(page, "import-preview")

    # By keyboard: declare the file New Hampshire's complete list, then review.
    page.get_by_label("New Hampshire: close the 1 LEA it does not list").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Review the LEAs to close").focus()
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("Enter")
    assert "Seacoast Collaborative" in page.locator("table").inner_text()
    count, report = axe_violations(page)
    assert count == 0, report
    shot(page, "import-close")

    page.get_by_label("Number of LEAs to close").fill("2")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Close this 1 LEA and import").click()
    assert "You typed 2, but 1 LEA would be closed" in page.content()
    count, report = axe_violations(page)
    assert count == 0, report
    assert ImportJob.objects.get().status == ImportJob.Status.PREVIEWED

    page.get_by_label("Number of LEAs to close").fill("1")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Close this 1 LEA and import").click()
    try:
        # The script polls the status endpoint and reloads the page once the job is done.
        page.get_by_text("The import is finished").first.wait_for(timeout=90_000)
    except Exception:
        raise AssertionError(f"worker log:\n{worker.log()}") from None
    count, report = axe_violations(page)
    assert count == 0, report
    shot(page, "import-done")
    # The one error is the wrong count's page, answered 400 on purpose.
    assert [e for e in page.console_errors if "status of 400" not in e] == []
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
        phase=ImportJob.Phase.IMPORT,
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
