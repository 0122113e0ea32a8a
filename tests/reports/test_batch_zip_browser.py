"""The batch page's zip in a real Chromium: offered once the batch is finished, its
progress followed by the shared poller, then the download; and axe finds nothing on the
batch page or on the LEA detail page."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.models import Role
from reports.models import ReportBatch, ReportBatchZip, ReportJob
from reports.services import report_batch_zip_build
from tests.browsing import axe_violations, shot, sign_in_with_session

pytestmark = pytest.mark.browser


@pytest.fixture
def staff_page(transactional_db, report_world, live_server, client, browser_page, media_root):
    sign_in_with_session(browser_page, client, live_server, report_world["users"][Role.STATE_STAFF])
    return browser_page


@pytest.fixture
def finished_batch(report_world, media_root):
    world = report_world
    batch = ReportBatch.objects.create(state=world["state"], cycle=world["cycle"])
    for i, lea in enumerate(world["leas"]):
        job = ReportJob.objects.create(
            kind="lea",
            state=world["state"],
            lea=lea,
            cycle=world["cycle"],
            batch=batch,
            status="failed" if i == 5 else "done",
            error="The LEA has no assessment." if i == 5 else "",
            progress=100,
            page_count=7,
        )
        if i < 5:
            job.file.save(f"b-{i}.pdf", ContentFile(b"%PDF-1.7 " + bytes([65 + i])), save=True)
    return batch


def test_the_zip_is_offered_followed_and_downloaded_on_the_batch_page(
    staff_page, report_world, finished_batch, live_server, monkeypatch
):
    from playwright.sync_api import expect

    from reports import services

    monkeypatch.setattr(services, "report_batch_zip_enqueue", lambda *, zip_id: True)
    page = staff_page
    page.goto(live_server.url + reverse("reports:batch_detail", args=[finished_batch.pk]))
    count, report = axe_violations(page)
    assert count == 0, report
    shot(page, "batch-zip-offered")

    page.get_by_role("button", name="Make a zip of all 5 PDFs").click()
    expect(page.locator("#zip-status-text")).to_contain_text("Queued")
    count, report = axe_violations(page)
    assert count == 0, report

    batch_zip = ReportBatchZip.objects.get()
    ReportBatchZip.objects.filter(pk=batch_zip.pk).update(status="running", progress=40)
    expect(page.locator("#zip-progress-text")).to_have_text("40%", timeout=10_000)
    # Back to queued, so the build below claims it as a worker would.
    ReportBatchZip.objects.filter(pk=batch_zip.pk).update(status="queued", progress=0)
    report_batch_zip_build(zip_id=batch_zip.pk, task_id="t")
    link = page.get_by_role("link", name="Download")
    expect(link).to_be_visible(timeout=10_000)
    count, report = axe_violations(page)
    assert count == 0, report
    assert page.console_errors == []
    shot(page, "batch-zip-ready")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(f"readiness-reports-{finished_batch.pk}.zip")


@pytest.mark.parametrize("width", [1280, 375])
def test_the_lea_detail_page_has_no_axe_violations(staff_page, report_world, live_server, width):
    page = staff_page
    page.set_viewport_size({"width": width, "height": 900})
    lea = report_world["leas"][0]
    page.goto(live_server.url + reverse("readiness:lea_detail", args=[lea.leaid]))
    count, report = axe_violations(page)
    assert count == 0, report
    headers = page.locator("table thead th").all_inner_texts()
    assert all(text.strip() for text in headers), headers
    shot(page, f"lea-detail-{width}")


def test_the_reports_list_has_no_axe_violations(
    staff_page, report_world, finished_batch, live_server
):
    page = staff_page
    page.goto(live_server.url + reverse("reports:job_list"))
    count, report = axe_violations(page)
    assert count == 0, report
    shot(page, "reports-list")
