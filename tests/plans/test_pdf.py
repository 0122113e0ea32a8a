"""Plans in PDFs: the LEA readiness report gains "Our plan" when a plan exists, a changed
plan changes the report's inputs (so it is made again), and a plan-only PDF is queued,
rendered, reused while unchanged and downloaded only by those who may read the plan."""

import io

import pytest
from pypdf import PdfReader

from accounts.models import Role
from plans import services as plan_services
from reports.models import ReportJob
from reports.selectors import assessment_for_report, lea_report_context
from reports.services import (
    ReportUnavailable,
    inputs_hash,
    report_plan_request,
    report_render_job,
)
from tests.plans.helpers import lea_with_gaps, plan_with_task


@pytest.fixture
def nh(two_states):
    return two_states["NH"]


def _text(job: ReportJob) -> str:
    job.refresh_from_db()
    with job.file.open("rb") as handle:
        data = handle.read()
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _context(plan):
    return lea_report_context(
        assessment=assessment_for_report(lea_id=plan.lea_id, cycle_id=plan.cycle_id)
    )


def test_the_lea_report_has_no_plan_section_without_a_plan(nh, framework):
    assessment, codes = lea_with_gaps(nh, framework)
    context = lea_report_context(
        assessment=assessment_for_report(lea_id=assessment.lea_id, cycle_id=assessment.cycle_id)
    )
    assert context["plan"] is None


def test_a_changed_task_changes_the_lea_reports_inputs(nh, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    before = _context(plan)
    assert [o["code"] for o in before["plan"]["objectives"]] == codes[:2]
    assert before["plan"]["objectives"][0]["tasks"][0]["owner"] == "Pat Lee"
    plan_services.task_status_set(user=leader, task=task, version=1, status="done")
    after = _context(plan)
    assert inputs_hash(after) != inputs_hash(before)


def test_the_lea_pdf_shows_our_plan(nh, framework, tmp_path, settings):
    from reports.rendering import lea_report_pdf

    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    pdf = lea_report_pdf(context=_context(plan), prepared_on=None)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Our plan" in text
    assert "Map devices per school" in text and "Pat Lee" in text


def test_a_plan_pdf_is_rendered_reused_while_unchanged_and_made_again_after_a_change(
    nh, framework, django_capture_on_commit_callbacks
):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    job = report_plan_request(user=leader, lea=plan.lea, cycle=plan.cycle)
    assert job.kind == ReportJob.Kind.PLAN
    assert report_render_job(job_id=job.pk).rendered
    text = _text(job)
    assert "improvement plan" in text and "Map devices per school" in text
    assert report_plan_request(user=leader, lea=plan.lea, cycle=plan.cycle).pk == job.pk
    plan_services.task_status_set(user=leader, task=task, version=1, status="in_progress")
    again = report_plan_request(user=leader, lea=plan.lea, cycle=plan.cycle)
    assert again.pk != job.pk


def test_no_plan_no_plan_pdf(nh, framework):
    assessment, codes = lea_with_gaps(nh, framework)
    with pytest.raises(ReportUnavailable):
        report_plan_request(
            user=nh["users"][Role.DISTRICT_LEADER], lea=assessment.lea, cycle=assessment.cycle
        )


@pytest.mark.parametrize(
    "role, status",
    [
        (Role.DISTRICT_LEADER, 302),
        (Role.STATE_STAFF, 302),
        (Role.STATE_ADMIN, 302),
        (Role.TASK_FORCE, 404),
    ],
)
def test_plan_pdf_request_and_job_page_by_role(client, nh, framework, role, status):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    client.force_login(nh["users"][role])
    response = client.post(f"/reports/plan/{plan.lea.leaid}/{plan.cycle_id}/")
    assert response.status_code == status
    job = ReportJob.objects.create(kind="plan", state=nh["state"], lea=plan.lea, cycle=plan.cycle)
    expected = 404 if role == Role.TASK_FORCE else 200
    assert client.get(f"/reports/jobs/{job.pk}/").status_code == expected


def test_another_states_leader_cannot_request_the_plan_pdf(client, two_states, framework):
    nh = two_states["NH"]
    plan, objective, task, codes = plan_with_task(nh, framework, nh["users"][Role.DISTRICT_LEADER])
    client.force_login(two_states["VT"]["users"][Role.DISTRICT_LEADER])
    assert client.post(f"/reports/plan/{plan.lea.leaid}/{plan.cycle_id}/").status_code == 404
