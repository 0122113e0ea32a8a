"""The review workflow through the API: submit, return with comments, accept, through the
pages' services; the version is optional (the current one when left out); who may act is
as on the pages."""

import pytest

from accounts.models import Role
from assessments.models import Answer, Assessment, Comment
from assessments.scores import assessment_rescore
from tests.assessments.api import assert_error_shape, world_with_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def nh(two_states):
    return world_with_assessment(two_states)


def fill(assessment, framework, *, leave_out=0):
    indicators = list(framework.indicators.order_by("position"))
    Answer.objects.bulk_create(
        Answer(assessment=assessment, indicator=ind, rating=1 + i % 4)
        for i, ind in enumerate(indicators[leave_out:])
    )
    assessment.refresh_from_db()
    assessment_rescore(assessment=assessment)


def act(api, assessment, action, body=None):
    return api.post(f"/api/v1/assessments/{assessment.pk}/{action}/", body or {})


def status_of(assessment) -> str:
    return Assessment.objects.get(pk=assessment.pk).status


def test_submit_return_submit_accept_by_the_right_roles(nh, framework):
    assessment = nh["assessment"]
    fill(assessment, framework)
    staff, admin = nh["api"][Role.STATE_STAFF], nh["api"][Role.STATE_ADMIN]

    submitted = act(staff, assessment, "submit")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["submitted_at"]

    version = submitted.json()["version"]
    returned = act(
        admin,
        assessment,
        "return",
        {
            "message": "Please add evidence.",
            "comments": {"BL-01": "Which devices?", "BL-02": "  "},
            "version": version,
        },
    )
    assert returned.status_code == 200, returned.content
    assert returned.json()["status"] == "returned"
    notes = Comment.objects.filter(assessment=assessment, is_return_note=True)
    assert sorted((c.indicator.code if c.indicator else "", c.body) for c in notes) == [
        ("", "Please add evidence."),
        ("BL-01", "Which devices?"),
    ]

    assert act(staff, assessment, "submit").json()["status"] == "submitted"
    accepted = act(admin, assessment, "accept", {"message": "Thank you."})
    assert accepted.status_code == 200
    assert (accepted.json()["status"], status_of(assessment)) == ("accepted", "accepted")
    assert Comment.objects.filter(body="Thank you.").exists()


def test_submitting_an_incomplete_assessment_lists_what_is_missing(nh, framework):
    fill(nh["assessment"], framework, leave_out=2)
    response = act(nh["api"][Role.STATE_STAFF], nh["assessment"], "submit")
    body = assert_error_shape(response, 400, "incomplete")
    assert body["missing"] == list(framework.spec.indicator_codes[:2])
    assert status_of(nh["assessment"]) == "draft"


def test_a_stale_version_is_a_409_and_changes_nothing(nh, framework):
    fill(nh["assessment"], framework)
    staff = nh["api"][Role.STATE_STAFF]
    seen = staff.get(f"/api/v1/assessments/{nh['assessment'].pk}/").json()["version"]
    # Someone else changes an answer meanwhile: the assessment's version moves on.
    changed = nh["api"]["staff2"].put(
        f"/api/v1/assessments/{nh['assessment'].pk}/answers/BL-01/",
        {"rating": 4, "dont_know": False, "evidence": "", "version": 1},
    )
    assert changed.status_code == 200
    response = act(staff, nh["assessment"], "submit", {"version": seen})
    assert_error_shape(response, 409, "assessment_changed")
    assert status_of(nh["assessment"]) == "draft"
    ok = act(staff, nh["assessment"], "submit", {"version": seen + 1})
    assert ok.status_code == 200


@pytest.mark.parametrize("role", [Role.STATE_ADMIN, Role.TASK_FORCE, Role.DISTRICT_LEADER])
def test_only_state_staff_submit(nh, framework, role):
    fill(nh["assessment"], framework)
    assert_error_shape(act(nh["api"][role], nh["assessment"], "submit"), 403, "not_allowed")


@pytest.mark.parametrize("role", [Role.STATE_STAFF, Role.TASK_FORCE, Role.DISTRICT_LEADER])
def test_only_a_state_administrator_accepts_or_returns(nh, framework, role):
    fill(nh["assessment"], framework)
    act(nh["api"][Role.STATE_STAFF], nh["assessment"], "submit")
    api = nh["api"][role]
    assert_error_shape(act(api, nh["assessment"], "accept"), 403, "not_allowed")
    assert_error_shape(act(api, nh["assessment"], "return", {"message": "x"}), 403)
    assert status_of(nh["assessment"]) == "submitted"


def test_another_states_administrator_gets_a_404(nh, framework):
    fill(nh["assessment"], framework)
    act(nh["api"][Role.STATE_STAFF], nh["assessment"], "submit")
    for action in ("accept", "return", "submit"):
        assert_error_shape(act(nh["api"]["vt_admin"], nh["assessment"], action), 404)


def test_a_national_admin_may_review(nh, framework):
    fill(nh["assessment"], framework)
    act(nh["api"][Role.STATE_STAFF], nh["assessment"], "submit")
    assert act(nh["api"]["national"], nh["assessment"], "accept").status_code == 200


def test_a_draft_cannot_be_accepted_and_an_accepted_one_not_submitted(nh, framework):
    fill(nh["assessment"], framework)
    admin, staff = nh["api"][Role.STATE_ADMIN], nh["api"][Role.STATE_STAFF]
    assert_error_shape(act(admin, nh["assessment"], "accept"), 409, "assessment_changed")
    act(staff, nh["assessment"], "submit")
    act(admin, nh["assessment"], "accept")
    assert_error_shape(act(staff, nh["assessment"], "submit"), 409, "locked")
    assert_error_shape(act(admin, nh["assessment"], "return", {"message": "x"}), 409)


def test_returning_needs_a_note(nh, framework):
    fill(nh["assessment"], framework)
    act(nh["api"][Role.STATE_STAFF], nh["assessment"], "submit")
    admin = nh["api"][Role.STATE_ADMIN]
    for body in ({}, {"message": "   "}, {"comments": {"BL-01": ""}}):
        assert_error_shape(act(admin, nh["assessment"], "return", body), 400, "invalid")
    assert status_of(nh["assessment"]) == "submitted"


def test_a_comment_on_an_unknown_indicator_is_a_400_naming_it(nh, framework):
    fill(nh["assessment"], framework)
    act(nh["api"][Role.STATE_STAFF], nh["assessment"], "submit")
    response = act(
        nh["api"][Role.STATE_ADMIN],
        nh["assessment"],
        "return",
        {"message": "See notes", "comments": {"BL-01": "ok", "ZZ-99": "what?"}},
    )
    body = assert_error_shape(response, 400, "invalid")
    assert set(body["fields"]) == {"comments.ZZ-99"}
    assert "ZZ-99" in body["message"]
    assert status_of(nh["assessment"]) == "submitted"
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"version": "3"},
        {"version": 0},
        {"message": 5},
        {"message": "a\x00b"},
        {"comments": ["BL-01"]},
        {"comments": {"BL-01": 3}},
        {"comments": {"BL-01": "a\x00b"}},
    ],
)
def test_malformed_workflow_bodies_are_a_400(nh, framework, body):
    fill(nh["assessment"], framework)
    act(nh["api"][Role.STATE_STAFF], nh["assessment"], "submit")
    assert_error_shape(act(nh["api"][Role.STATE_ADMIN], nh["assessment"], "return", body), 400)
    assert status_of(nh["assessment"]) == "submitted"
