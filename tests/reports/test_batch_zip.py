"""A batch's PDFs as one zip: what it holds, reuse, who may fetch it, and the batch
page around it. The zip is built in the test process here; test_worker_zip.py builds one
through a real Celery worker."""

import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.models import Role
from reports import services
from reports.models import ReportBatch, ReportBatchZip, ReportJob
from reports.services import (
    ReportUnavailable,
    report_batch_zip_build,
    report_batch_zip_request,
)


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    sent = []
    monkeypatch.setattr(
        services, "report_batch_zip_enqueue", lambda *, zip_id: sent.append(zip_id) or True
    )
    return sent


@pytest.fixture
def batch(report_world, media_root):
    """A finished batch of the six LEAs: four done (each with its own PDF bytes), one
    failed, and one done job of another batch that must stay out of the zip."""
    world = report_world
    batch = ReportBatch.objects.create(state=world["state"], cycle=world["cycle"])
    for i, lea in enumerate(world["leas"][:5]):
        job = ReportJob.objects.create(
            kind="lea",
            state=world["state"],
            lea=lea,
            cycle=world["cycle"],
            batch=batch,
            status="failed" if i == 4 else "done",
            progress=100,
            page_count=6,
        )
        if i < 4:
            job.file.save(f"zip-{i}.pdf", ContentFile(f"%PDF-1.7 LEA {i}".encode()), save=True)
    other_batch = ReportBatch.objects.create(state=world["state"], cycle=world["cycle"])
    stray = ReportJob.objects.create(
        kind="lea",
        state=world["state"],
        lea=world["leas"][5],
        cycle=world["cycle"],
        batch=other_batch,
        status="done",
    )
    stray.file.save("stray.pdf", ContentFile(b"%PDF-1.7 stray"), save=True)
    return batch


def _build(batch, user) -> ReportBatchZip:
    batch_zip = report_batch_zip_request(user=user, batch=batch)
    assert report_batch_zip_build(zip_id=batch_zip.pk, task_id="zip-task") is True
    batch_zip.refresh_from_db()
    return batch_zip


def test_the_zip_holds_exactly_the_batchs_done_pdfs(report_world, batch):
    batch_zip = _build(batch, report_world["users"][Role.STATE_ADMIN])
    assert (batch_zip.status, batch_zip.progress, batch_zip.file_count) == ("done", 100, 4)
    done = batch.jobs.filter(status="done").select_related("lea")
    expected = {}
    for job in done:
        with job.file.open("rb") as pdf:
            expected[job.lea.leaid] = pdf.read()
    with batch_zip.file.open("rb") as stored, zipfile.ZipFile(stored) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    assert len(contents) == 4
    by_leaid = {name.rsplit("-", 3)[0].rsplit("-", 1)[1]: data for name, data in contents.items()}
    assert by_leaid == expected


def test_each_pdf_in_the_zip_is_named_after_its_lea_leaid_and_cycle(report_world, batch):
    batch_zip = _build(batch, report_world["users"][Role.STATE_ADMIN])
    with batch_zip.file.open("rb") as stored, zipfile.ZipFile(stored) as archive:
        names = archive.namelist()
    lea = report_world["leas"][0]
    cycle = report_world["cycle"].name
    assert f"test-valley-0-school-district-{lea.leaid}-{cycle}-readiness.pdf" in names
    assert names == sorted(names)


def test_an_unchanged_batch_reuses_its_zip(report_world, batch, _no_broker):
    user = report_world["users"][Role.STATE_ADMIN]
    first = _build(batch, user)
    assert report_batch_zip_request(user=user, batch=batch) == first
    assert ReportBatchZip.objects.count() == 1


def test_a_report_finished_later_means_a_new_zip_that_holds_it(report_world, batch):
    user = report_world["users"][Role.STATE_ADMIN]
    first = _build(batch, user)
    late = batch.jobs.get(status="failed")
    late.status = "done"
    late.file.save("late.pdf", ContentFile(b"%PDF-1.7 late"), save=True)
    second = _build(batch, user)
    assert second != first and second.file_count == 5


def test_a_batch_with_no_done_report_has_nothing_to_zip(report_world, media_root):
    batch = ReportBatch.objects.create(state=report_world["state"], cycle=report_world["cycle"])
    with pytest.raises(ReportUnavailable):
        report_batch_zip_request(user=report_world["users"][Role.STATE_ADMIN], batch=batch)


def test_a_zip_is_queued_with_the_broker_after_commit(
    report_world, batch, _no_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        batch_zip = report_batch_zip_request(
            user=report_world["users"][Role.STATE_STAFF], batch=batch
        )
    assert _no_broker == [batch_zip.pk]


# --- pages and who may fetch the zip ---------------------------------------------------


def _urls(batch, batch_zip):
    return {
        "status": reverse("reports:batch_zip_status", args=[batch.pk, batch_zip.pk]),
        "download": reverse("reports:batch_zip_download", args=[batch.pk, batch_zip.pk]),
    }


@pytest.mark.parametrize(
    ("role", "outsider", "expected"),
    [
        (Role.NATIONAL_ADMIN, False, 200),
        (Role.STATE_ADMIN, False, 200),
        (Role.STATE_STAFF, False, 200),
        (Role.TASK_FORCE, False, 404),
        (Role.DISTRICT_LEADER, False, 404),
        (Role.STATE_ADMIN, True, 404),
        (Role.TASK_FORCE, True, 404),
        (Role.DISTRICT_LEADER, True, 404),
    ],
)
def test_who_may_fetch_a_batchs_zip(client, report_world, batch, role, outsider, expected):
    batch_zip = _build(batch, report_world["users"][Role.STATE_ADMIN])
    client.force_login((report_world["outsiders"] if outsider else report_world["users"])[role])
    for url in _urls(batch, batch_zip).values():
        assert client.get(url).status_code == expected
    response = client.post(reverse("reports:batch_zip_request", args=[batch.pk]))
    assert response.status_code == (302 if expected == 200 else 404)


def test_a_district_leader_cannot_download_the_zip_of_their_own_states_batch(
    client, report_world, batch
):
    batch_zip = _build(batch, report_world["users"][Role.STATE_ADMIN])
    client.force_login(report_world["users"][Role.DISTRICT_LEADER])
    response = client.get(_urls(batch, batch_zip)["download"])
    assert response.status_code == 404
    assert not response.get("Content-Disposition")


def test_the_download_is_a_named_zip(client, report_world, batch):
    batch_zip = _build(batch, report_world["users"][Role.STATE_ADMIN])
    client.force_login(report_world["users"][Role.STATE_STAFF])
    response = client.get(_urls(batch, batch_zip)["download"])
    assert response["Content-Type"] == "application/zip"
    assert (
        f'filename="NH-{report_world["cycle"].name}-readiness-reports-{batch.pk}.zip"'
        in (response["Content-Disposition"])
    )
    assert len(zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()) == 4


def test_a_zip_of_another_batch_is_not_found_under_this_one(client, report_world, batch):
    batch_zip = _build(batch, report_world["users"][Role.STATE_ADMIN])
    other = ReportBatch.objects.create(state=report_world["state"], cycle=report_world["cycle"])
    client.force_login(report_world["users"][Role.STATE_ADMIN])
    url = reverse("reports:batch_zip_download", args=[other.pk, batch_zip.pk])
    assert client.get(url).status_code == 404


def test_the_batch_page_offers_the_zip_then_shows_its_progress_then_its_download(
    client, report_world, batch
):
    client.force_login(report_world["users"][Role.STATE_ADMIN])
    url = reverse("reports:batch_detail", args=[batch.pk])
    page = client.get(url).content.decode()
    assert "Make a zip of all 4 PDFs" in page
    client.post(reverse("reports:batch_zip_request", args=[batch.pk]))
    batch_zip = ReportBatchZip.objects.get()
    page = client.get(url).content.decode()
    assert reverse("reports:batch_zip_status", args=[batch.pk, batch_zip.pk]) in page
    status = client.get(reverse("reports:batch_zip_status", args=[batch.pk, batch_zip.pk])).json()
    assert (status["finished"], status["page"], status["download_url"]) == (False, "live", None)
    report_batch_zip_build(zip_id=batch_zip.pk, task_id="t")
    status = client.get(reverse("reports:batch_zip_status", args=[batch.pk, batch_zip.pk])).json()
    assert (status["finished"], status["page"]) == (True, "finished")
    page = client.get(url).content.decode()
    assert _urls(batch, batch_zip)["download"] in page


def test_an_unfinished_batch_offers_no_zip_yet(client, report_world, batch):
    batch.jobs.filter(status="failed").update(status="running")
    client.force_login(report_world["users"][Role.STATE_ADMIN])
    page = client.get(reverse("reports:batch_detail", args=[batch.pk])).content.decode()
    assert "batch_zip_request" not in page and "Make a zip" not in page
    assert "Once every report of the batch has finished" in page
