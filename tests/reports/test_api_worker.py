"""A script's way to a readiness PDF: ask through the API with a token, poll the job while a
real Celery worker renders it, download the PDF. Nothing is mocked."""

import io

import pytest
from pypdf import PdfReader
from rest_framework.authtoken.models import Token

from accounts.models import Role
from tests.conftest import wait_for

pytestmark = pytest.mark.worker


def test_a_pdf_requested_through_the_api_is_rendered_by_the_worker_and_downloaded(
    celery_worker_process, report_world, client, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    worker = celery_worker_process(env_overrides={"MEDIA_ROOT": settings.MEDIA_ROOT})
    lea, cycle = report_world["leas"][3], report_world["cycle"]
    token = Token.objects.create(user=report_world["users"][Role.STATE_STAFF])
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}

    response = client.post(
        "/api/v1/reports/",
        {"kind": "lea", "lea": lea.leaid, "cycle": cycle.pk},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 201, response.content
    job_url = f"/api/v1/reports/{response.json()['id']}/"

    def finished():
        body = client.get(job_url, **auth).json()
        return body if body["status"] in ("done", "failed") else None

    try:
        job = wait_for(finished, timeout=120, interval=0.5, what="the report job to finish")
    except AssertionError:
        raise AssertionError(f"worker log:\n{worker.log()}") from None
    assert job["status"] == "done", job["error"]
    assert job["progress"] == 100

    download = client.get(job["pdf"], HTTP_ACCEPT="application/pdf", **auth)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert lea.leaid in download["Content-Disposition"]
    data = b"".join(download.streaming_content)
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert lea.name in text
    assert len(reader.pages) == job["page_count"]
