"""PDFs in S3-compatible object storage (django-storages), against moto's S3 server on
loopback in its own process: stored there, streamed back through the scoping check, never
left in the local media folder, and an outage of the store is a clean 503 for a download and
a retry for a render, with nothing lost."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from accounts.models import Role
from cbe_portal.env import env_storage
from reports.models import ReportJob
from reports.services import report_render_job, report_request
from tests.conftest import wait_for
from tests.storage_server import S3Server

BUCKET = "portal-pdfs"
PREFIX = "test-state-agency"


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory):
    server = S3Server(tmp_path_factory.mktemp("moto"))
    server.start()
    server.create_bucket(BUCKET)
    yield server
    server.stop()


@pytest.fixture
def object_storage(s3_server, settings, monkeypatch, tmp_path):
    for name, value in s3_server.credentials_env().items():
        monkeypatch.setenv(name, value)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    monkeypatch.setenv("STORAGE_URL", s3_server.storage_url(BUCKET, PREFIX))
    settings.STORAGES = {**settings.STORAGES, "default": env_storage("STORAGE_URL")}
    yield s3_server
    s3_server.relay.open()  # a test that cut the relay leaves it open for the next


def _render(report_world, *, user) -> ReportJob:
    lea, cycle = report_world["leas"][0], report_world["cycle"]
    job = report_request(user=user, lea=lea, cycle=cycle)
    report_render_job(job_id=job.pk, task_id="in-process")  # what the Celery task calls
    job.refresh_from_db()
    return job


def test_the_storage_url_names_bucket_prefix_endpoint_and_region(monkeypatch):
    monkeypatch.setenv(
        "STORAGE_URL", "s3://pdfs/nh?endpoint_url=https://objects.example.gov&region=us-gov-west-1"
    )
    config = env_storage("STORAGE_URL")
    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    options = config["OPTIONS"]
    assert (options["bucket_name"], options["location"]) == ("pdfs", "nh")
    assert options["endpoint_url"] == "https://objects.example.gov"
    assert options["region_name"] == "us-gov-west-1"
    assert options["default_acl"] is None  # private objects: downloads go through the portal


@pytest.mark.parametrize(
    "value, message",
    [
        ("https://objects.example.gov/pdfs", "must look like s3://bucket/prefix"),
        ("s3://key:secret@pdfs/nh", "must not carry credentials"),
        ("s3://pdfs?bucket=other", "unknown option 'bucket'"),
        ("s3://pdfs?endpoint_url=ftp://objects", "not an http(s) URL"),
    ],
)
def test_a_bad_storage_url_stops_start_up_naming_the_variable(monkeypatch, value, message):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("STORAGE_URL", value)
    with pytest.raises(ImproperlyConfigured, match="STORAGE_URL") as error:
        env_storage("STORAGE_URL")
    assert message in str(error.value)


def test_without_a_storage_url_files_stay_in_the_media_folder(monkeypatch):
    monkeypatch.delenv("STORAGE_URL", raising=False)
    assert env_storage("STORAGE_URL") is None


def test_a_pdf_is_stored_in_the_bucket_and_streamed_back_only_to_those_allowed(
    client, report_world, object_storage, tmp_path
):
    staff = report_world["users"][Role.STATE_STAFF]
    job = _render(report_world, user=staff)
    assert job.status == ReportJob.Status.DONE, job.error

    key = f"{PREFIX}/{job.file.name}"
    assert key in object_storage.keys(BUCKET)
    assert not (tmp_path / "media").exists()  # nothing written locally
    stored = object_storage.body(BUCKET, key)
    assert stored.startswith(b"%PDF-")

    client.force_login(report_world["users"][Role.DISTRICT_LEADER])
    download = client.get(reverse("reports:job_download", args=[job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == stored

    client.force_login(report_world["outsiders"][Role.DISTRICT_LEADER])
    assert client.get(reverse("reports:job_download", args=[job.pk])).status_code == 404


def test_a_download_while_the_store_is_down_is_a_clear_503_and_the_pdf_is_still_there(
    client, report_world, object_storage
):
    job = _render(report_world, user=report_world["users"][Role.STATE_STAFF])
    key = f"{PREFIX}/{job.file.name}"
    client.force_login(report_world["users"][Role.DISTRICT_LEADER])

    object_storage.relay.cut()
    page = client.get(reverse("reports:job_download", args=[job.pk]))
    assert page.status_code == 503
    assert page["Retry-After"] == "30"
    assert b"The file store is not answering" in page.content
    api = client.get(f"/api/v1/reports/{job.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    assert api.status_code == 503
    assert api.json()["code"] == "storage_unavailable"

    object_storage.relay.open()
    again = client.get(reverse("reports:job_download", args=[job.pk]))
    assert again.status_code == 200
    assert b"".join(again.streaming_content) == object_storage.body(BUCKET, key)


def test_a_render_while_the_store_is_down_goes_back_to_the_queue_and_finishes_once_it_is_back(
    report_world, object_storage
):
    lea, cycle = report_world["leas"][0], report_world["cycle"]
    job = report_request(user=report_world["users"][Role.STATE_STAFF], lea=lea, cycle=cycle)

    object_storage.relay.cut()
    with pytest.raises(Exception) as error:  # the Celery task retries on this, with backoff
        report_render_job(job_id=job.pk, task_id="first-try")
    from reports.tasks import TRANSIENT_ERRORS

    assert isinstance(error.value, TRANSIENT_ERRORS)
    job.refresh_from_db()
    assert job.status == ReportJob.Status.QUEUED and not job.file

    object_storage.relay.open()
    report_render_job(job_id=job.pk, task_id="retry")
    job.refresh_from_db()
    assert job.status == ReportJob.Status.DONE
    keys = [key for key in object_storage.keys(BUCKET) if key.endswith(job.file.name)]
    assert keys == [f"{PREFIX}/{job.file.name}"]
    assert default_storage.exists(job.file.name)


@pytest.mark.worker
def test_a_worker_process_renders_into_the_bucket_and_the_web_streams_it_back(
    celery_worker_process, report_world, client, object_storage, settings, tmp_path
):
    worker = celery_worker_process(
        env_overrides={
            "STORAGE_URL": object_storage.storage_url(BUCKET, PREFIX),
            "MEDIA_ROOT": settings.MEDIA_ROOT,
            **object_storage.credentials_env(),
        }
    )
    lea, cycle = report_world["leas"][0], report_world["cycle"]
    client.force_login(report_world["users"][Role.DISTRICT_LEADER])
    response = client.post(reverse("reports:lea_report_request", args=[lea.leaid, cycle.pk]))
    assert response.status_code == 302
    job = ReportJob.objects.get()

    def finished():
        job.refresh_from_db()
        return job.is_finished

    try:
        wait_for(finished, timeout=120, what=f"job {job.pk} to finish")
    except AssertionError:
        raise AssertionError(f"job {job.pk}: {job.status}\n{worker.log()}") from None
    assert job.status == ReportJob.Status.DONE, job.error
    key = f"{PREFIX}/{job.file.name}"
    assert key in object_storage.keys(BUCKET)
    assert not (tmp_path / "media").exists()  # neither the worker nor the web wrote locally

    download = client.get(reverse("reports:job_download", args=[job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == object_storage.body(BUCKET, key)
