"""The report job and batch pages follow their jobs through the shared poller
(static/js/job_poller.js) in a real Chromium: progress, the status line, the download,
and a reload when the server-drawn parts change."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from reports.models import ReportBatch, ReportJob
from tests.browsing import axe_violations, shot, sign_in_with_session

pytestmark = pytest.mark.browser


@pytest.fixture
def admin_page(transactional_db, report_world, live_server, client, browser_page):
    sign_in_with_session(browser_page, client, live_server, report_world["users"][Role.STATE_ADMIN])
    return browser_page


def _job(world, lea_index: int, **fields) -> ReportJob:
    return ReportJob.objects.create(
        kind=ReportJob.Kind.LEA,
        state=world["state"],
        lea=world["leas"][lea_index],
        cycle=world["cycle"],
        **fields,
    )


def test_the_job_page_shows_progress_then_the_download_without_reloading(
    admin_page, report_world, live_server
):
    from playwright.sync_api import expect

    job = _job(
        report_world, 0, status="running", progress=20, task_id="t", started_at=timezone.now()
    )
    page = admin_page
    page.goto(live_server.url + reverse("reports:job_detail", args=[job.pk]))
    page.evaluate("window.stillTheSamePage = true")
    status = page.locator("#job-status-text")
    assert status.inner_text() == "Being prepared (20% done)."

    ReportJob.objects.filter(pk=job.pk).update(progress=70)
    expect(page.locator("#job-progress-text")).to_have_text("70%", timeout=10_000)
    assert page.locator("#job-progress").evaluate("bar => bar.value") == 70
    # Only the percent moved: the live region is not read out again.
    assert status.inner_text() == "Being prepared (20% done)."
    assert page.locator("#job-download").is_hidden()

    ReportJob.objects.filter(pk=job.pk).update(
        status="done", progress=100, file="reports/x.pdf", finished_at=timezone.now()
    )
    expect(page.locator("#job-download")).to_be_visible(timeout=10_000)
    expect(status).to_have_text("Ready to download.")
    expect(page.locator("#job-alert")).to_have_class("usa-alert usa-alert--slim usa-alert--success")
    assert page.evaluate("window.stillTheSamePage") is True
    count, report = axe_violations(page)
    assert count == 0, report
    assert page.console_errors == []
    shot(page, "report-job-done")


def test_the_batch_page_counts_reports_and_reloads_for_a_failure_and_the_end(
    admin_page, report_world, live_server
):
    from playwright.sync_api import expect

    batch = ReportBatch.objects.create(state=report_world["state"], cycle=report_world["cycle"])
    jobs = [_job(report_world, i, batch=batch) for i in range(3)]
    page = admin_page
    page.goto(live_server.url + reverse("reports:batch_detail", args=[batch.pk]))
    page.evaluate("window.stillTheSamePage = true")

    ReportJob.objects.filter(pk=jobs[0].pk).update(status="done", progress=100)
    ReportJob.objects.filter(pk=jobs[1].pk).update(status="running")
    expect(page.locator("#batch-done")).to_have_text("1", timeout=10_000)
    expect(page.locator("#batch-detail")).to_have_text("1 being prepared, 1 waiting.")
    expect(page.locator("#batch-percent")).to_have_text("33%")
    expect(page.locator("#batch-announce")).to_have_text("1 of 3 reports ready.")
    assert page.evaluate("window.stillTheSamePage") is True

    ReportJob.objects.filter(pk=jobs[1].pk).update(status="failed", error="It broke.")
    expect(page.get_by_role("heading", name="Reports that failed")).to_be_visible(timeout=10_000)
    assert page.locator("#batch-status[data-poll-url]").count() == 1  # still following

    ReportJob.objects.filter(pk=jobs[2].pk).update(status="done", progress=100)
    expect(page.locator("#batch-status-text")).to_contain_text("2 of 3", timeout=10_000)
    assert page.locator("#batch-status[data-poll-url]").count() == 0  # finished: stopped
    count, report = axe_violations(page)
    assert count == 0, report
    assert page.console_errors == []
    shot(page, "report-batch-finished")
