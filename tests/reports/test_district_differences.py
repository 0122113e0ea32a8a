"""The district's view in the LEA's results: where it is two levels or more from the
state's rating, the results page and the readiness PDF show both side by side, and a
change to it makes the next request render a new PDF."""

import pytest
from django.test import Client
from django.urls import reverse

from access import selectors
from accounts.models import Role
from assessments import services as assessment_services
from assessments.models import Assessment
from reports import services
from reports.models import ReportJob
from reports.rendering import lea_report_pdf
from reports.selectors import assessment_for_report, lea_report_context
from reports.services import report_render_job, report_request

from .test_pdf_content import PREPARED
from .test_state_report import _pdftotext


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(services, "report_enqueue_many", lambda *, job_ids: len(job_ids))


def _assessment(world):
    return Assessment.objects.get(lea=world["leas"][0], cycle=world["cycle"])


def _rate(world, code, level, note=""):
    leader = world["users"][Role.DISTRICT_LEADER]
    assessment = selectors.assessment_get_for_user(user=leader, pk=_assessment(world).pk)
    stored = assessment.district_ratings.filter(indicator__code=code).first()
    assessment_services.district_rating_save(
        assessment=assessment,
        user=leader,
        indicator=code,
        level=level,
        note=note,
        version=stored.version if stored else 0,
    )


def _codes(world):
    # LEA 0 is rated 1, 4, 3, 2, 1, ... on the framework's indicators (conftest.rating_for).
    return [indicator.code for indicator in world["indicators"]]


def _context(world):
    lea, cycle = world["leas"][0], world["cycle"]
    return lea_report_context(assessment=assessment_for_report(lea_id=lea.id, cycle_id=cycle.id))


def test_the_pdf_lists_ratings_two_levels_apart_side_by_side(report_world, tmp_path):
    first, second = _codes(report_world)[:2]
    _rate(report_world, first, 4, "Every school now has a device per student.")
    _rate(report_world, second, 3, "One level only, so not listed.")
    context = _context(report_world)
    assert [d["code"] for d in context["district_differences"]] == [first]
    text = " ".join(
        _pdftotext(lea_report_pdf(context=context, prepared_on=PREPARED).content, tmp_path).split()
    )
    assert "Where the district sees it differently" in text
    section = text.split("Where the district sees it differently", 1)[1]
    assert "1 · Not yet" in section and "4 · Established" in section
    assert "Every school now has a device per student." in section
    assert "One level only" not in text


def test_without_far_apart_ratings_the_pdf_has_no_such_section(report_world, tmp_path):
    context = _context(report_world)
    assert context["district_differences"] == []
    text = _pdftotext(lea_report_pdf(context=context, prepared_on=PREPARED).content, tmp_path)
    assert "sees it differently" not in text


def test_a_changed_district_rating_means_a_new_render(report_world, media_root):
    leader = report_world["users"][Role.STATE_STAFF]
    job = report_request(user=leader, lea=report_world["leas"][0], cycle=report_world["cycle"])
    report_render_job(job_id=job.pk, task_id="t1")
    _rate(report_world, _codes(report_world)[0], 4, "We see it otherwise.")
    again = report_request(user=leader, lea=report_world["leas"][0], cycle=report_world["cycle"])
    assert again.pk != job.pk and again.input_hash != job.input_hash
    assert ReportJob.objects.count() == 2


def test_the_results_page_shows_the_differences(report_world):
    first = _codes(report_world)[0]
    _rate(report_world, first, 3, "Most classrooms are covered.")
    client = Client()
    client.force_login(report_world["users"][Role.STATE_ADMIN])
    html = client.get(
        reverse("lea_results", args=[report_world["leas"][0].leaid, report_world["cycle"].pk])
    ).content.decode()
    table = html.split('id="district-differences-heading"', 1)[1].split("</section>", 1)[0]
    assert first in table and "Most classrooms are covered." in table
    assert "1 · Not yet" in table and "3 · Developing" in table
