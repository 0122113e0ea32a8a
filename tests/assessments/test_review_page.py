"""The review page of a resubmitted assessment: what changed since it was returned comes
first, the decision can be made from the top of the page, and the state's and district's
ratings that are far apart are shown side by side."""

import pytest
from django.urls import reverse

from accounts.models import Role
from assessments import services
from assessments.models import Assessment

from .test_assessment_services import answer_everything, load, save
from .test_assessment_views import client_for
from .test_district_ratings import rate


@pytest.fixture
def submitted(two_states):
    place = two_states["NH"]
    staff, admin = place["users"][Role.STATE_STAFF], place["users"][Role.STATE_ADMIN]
    assessment = Assessment.objects.create(lea=place["leas"][0], cycle=place["cycle"])
    assessment = answer_everything(assessment, staff, rating=3)
    a = services.assessment_submit(assessment=assessment, user=staff, version=assessment.version)
    place["assessment"], place["staff"], place["admin"] = a, staff, admin
    return place


def review(place, user=None):
    url = reverse("readiness:assessment_review", args=[place["assessment"].pk])
    return client_for(user or place["admin"]).get(url).content.decode()


def return_and_resubmit(place, changes):
    a = load(place["admin"], place["assessment"])
    services.assessment_return(assessment=a, user=place["admin"], version=a.version, note="Fix")
    a = load(place["staff"], place["assessment"])
    answers = {ans.indicator.code: ans for ans in a.answers.select_related("indicator")}
    for code, kwargs in changes.items():
        save(a, place["staff"], indicator=code, version=answers[code].version, **kwargs)
    a = load(place["staff"], place["assessment"])
    services.assessment_submit(assessment=a, user=place["staff"], version=a.version)


def test_a_resubmitted_assessment_lists_what_changed_since_it_was_returned(submitted):
    return_and_resubmit(
        submitted,
        {
            "BL-01": {"rating": 4},
            "BL-02": {"rating": 3, "evidence": "A new survey"},
            # Saved again with the same answer: nothing for the reviewer to look at again.
            "BL-03": {"rating": 3},
        },
    )
    html = review(submitted)
    top = html.split('id="changed-heading"', 1)[1].split("</section>", 1)[0]
    assert 'href="#ind-bl-01"' in top and 'href="#ind-bl-02"' in top
    assert "BL-03" not in top
    assert "2 indicators now have a different answer" in top


def test_a_first_submission_has_no_changes_section(submitted):
    assert "What changed since it was returned" not in review(submitted)


def test_the_decision_buttons_come_before_the_first_indicator(submitted):
    html = review(submitted)
    buttons = html.index('form="review-form"')
    assert buttons < html.index('id="ind-bl-01"')
    assert 'value="accept" form="review-form"' in html
    assert 'value="return" form="review-form"' in html


def test_accepting_from_the_top_buttons_works(submitted):
    a = submitted["assessment"]
    response = client_for(submitted["admin"]).post(
        reverse("readiness:assessment_decide", args=[a.pk]),
        {"version": a.version, "decision": "accept", "note": ""},
    )
    assert response.status_code == 302
    assert Assessment.objects.get(pk=a.pk).status == Assessment.Status.ACCEPTED


def test_far_apart_ratings_are_shown_side_by_side_on_the_review_page(submitted):
    leader = submitted["users"][Role.DISTRICT_LEADER]
    rate(load(leader, submitted["assessment"]), leader, level=1, note="Only one lab works.")
    rate(load(leader, submitted["assessment"]), leader, indicator="BL-02", level=2)
    html = review(submitted)
    table = html.split('id="district-differences-heading"', 1)[1].split("</section>", 1)[0]
    assert "BL-01" in table and "3 · Developing" in table and "1 · Not yet" in table
    assert "Only one lab works." in table
    assert "BL-02" not in table  # one level apart
    # Like the results page and the PDF, where these differences are part of the LEA's
    # results; the task force never gets the district's full set of ratings.
    task_force = review(submitted, submitted["users"][Role.TASK_FORCE])
    assert "Only one lab works." in task_force
    assert reverse("readiness:district_view", args=[submitted["assessment"].pk]) not in task_force
