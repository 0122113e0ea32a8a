"""A real Celery worker renders a batch's PDFs, then puts them into one zip."""

import zipfile

import pytest

from accounts.models import Role
from assessments.models import Assessment
from reports.models import ReportBatchZip, ReportJob
from reports.services import report_batch_request, report_batch_zip_request
from tests.conftest import wait_for
from tests.factories import CycleFactory, LEAFactory, StateFactory, UserFactory

pytestmark = pytest.mark.worker


def test_a_worker_builds_the_zip_of_a_batchs_pdfs(celery_worker_process, framework):
    state = StateFactory(code="NH", name="New Hampshire")
    cycle = CycleFactory(state=state, framework=framework)
    leas = [LEAFactory(state=state, name=f"Baker River {i} School District") for i in range(2)]
    for lea in leas:
        Assessment.objects.create(lea=lea, cycle=cycle)
    admin = UserFactory(role=Role.STATE_ADMIN, state=state)
    worker = celery_worker_process()

    batch = report_batch_request(user=admin, state=state, cycle=cycle)

    def batch_finished():
        return not batch.jobs.exclude(status__in=["done", "failed"]).exists()

    try:
        wait_for(batch_finished, timeout=120, what="the batch to finish")
    except AssertionError:
        raise AssertionError(worker.log()) from None
    assert batch.jobs.filter(status=ReportJob.Status.DONE).count() == 2

    batch_zip = report_batch_zip_request(user=admin, batch=batch)

    def zip_finished():
        batch_zip.refresh_from_db()
        return batch_zip.is_finished

    try:
        wait_for(zip_finished, timeout=60, what="the zip to finish")
    except AssertionError:
        raise AssertionError(worker.log()) from None
    assert batch_zip.status == ReportBatchZip.Status.DONE, batch_zip.error
    assert (batch_zip.progress, batch_zip.file_count) == (100, 2)
    expected = {}
    for job in batch.jobs.select_related("lea"):
        with job.file.open("rb") as pdf:
            expected[job.lea.leaid] = pdf.read()
    with batch_zip.file.open("rb") as stored, zipfile.ZipFile(stored) as archive:
        got = {
            next(leaid for leaid in expected if f"-{leaid}-" in name): archive.read(name)
            for name in archive.namelist()
        }
    assert got == expected
    assert all(data.startswith(b"%PDF-") for data in got.values())
