"""A real Celery worker process renders a real PDF with WeasyPrint.

Under CI the broker is Redis and the database PostgreSQL; locally the embedded
file-system broker and SQLite. Nothing is mocked.
"""

import io

import pytest
from pypdf import PdfReader

from readiness.models import Answer, Assessment, Role
from reports.models import ReportJob
from reports.services import report_request
from tests.conftest import wait_for
from tests.factories import CycleFactory, LEAFactory, StateFactory, UserFactory

pytestmark = pytest.mark.worker


@pytest.fixture
def assessed_lea(framework):
    state = StateFactory(code="NH", name="New Hampshire")
    lea = LEAFactory(state=state, name="Pemigewasset Valley School District")
    cycle = CycleFactory(state=state, framework=framework)
    assessment = Assessment.objects.create(lea=lea, cycle=cycle)
    indicators = list(framework.indicators.order_by("position")[:5])
    Answer.objects.bulk_create(
        Answer(
            assessment=assessment,
            indicator=ind,
            rating=(i % 4) + 1,
            evidence=f"Evidence note {i} <b>not bold</b>",
        )
        for i, ind in enumerate(indicators)
    )
    user = UserFactory(role=Role.STATE_STAFF, state=state)
    return lea, cycle, user


def test_a_worker_process_renders_the_requested_pdf_into_the_database(
    celery_worker_process, assessed_lea
):
    lea, cycle, user = assessed_lea
    worker = celery_worker_process()
    job = report_request(user=user, lea=lea, cycle=cycle)
    assert job.status == ReportJob.Status.QUEUED

    def finished():
        job.refresh_from_db()
        return job.is_finished

    try:
        wait_for(finished, what="the worker to finish the report")
    except AssertionError:
        raise AssertionError(f"worker log:\n{worker.log()}") from None
    assert job.status == ReportJob.Status.DONE, job.error
    pdf = job.file.read()
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Pemigewasset Valley School District" in text
    assert "<b>not bold</b>" in text  # user text is escaped, never interpreted
    assert job.page_count == len(reader.pages) >= 1

    again = report_request(user=user, lea=lea, cycle=cycle)
    assert again.pk == job.pk  # same inputs: the stored PDF is reused
