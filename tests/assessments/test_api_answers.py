"""Answers through the API: every indicator with its answer, a write with its version
through the autosave's service and checks, 409 with both versions when stale, and the
refusals of locked assessments, read-only roles and other states."""

import pytest

from accounts.models import Role
from assessments.models import EVIDENCE_MAX_LENGTH, Answer, Assessment
from tests.assessments.api import assert_error_shape, world_with_assessment

pytestmark = pytest.mark.django_db
CODE = "BL-01"


@pytest.fixture
def nh(two_states):
    return world_with_assessment(two_states)


def url(assessment, code=CODE) -> str:
    return f"/api/v1/assessments/{assessment.pk}/answers/{code}/"


def answer(rating=3, dont_know=False, evidence="", version=0) -> dict:
    return {"rating": rating, "dont_know": dont_know, "evidence": evidence, "version": version}


def test_the_answer_list_has_every_indicator_with_its_answer_or_null(nh, framework):
    api = nh["api"][Role.STATE_STAFF]
    assert api.put(url(nh["assessment"]), answer(4, evidence="Devices for all")).status_code == 200
    response = api.get(f"/api/v1/assessments/{nh['assessment'].pk}/answers/")
    assert response.status_code == 200
    body = response.json()
    spec = framework.spec
    assert body["count"] == len(spec.indicators)
    assert [row["indicator"] for row in body["results"]] == list(spec.indicator_codes)
    first, second = body["results"][:2]
    assert first["answer"]["rating"] == 4
    assert first["answer"]["evidence"] == "Devices for all"
    assert first["answer"]["version"] == 1
    assert first["answer"]["updated_by"] == nh["staff"].username
    assert first["answer"]["updated_at"]
    assert second["answer"] is None
    assert {"title", "domain", "area"} <= set(first)


def test_a_district_leader_reads_the_answers_of_their_own_lea(nh):
    response = nh["api"][Role.DISTRICT_LEADER].get(
        f"/api/v1/assessments/{nh['assessment'].pk}/answers/"
    )
    assert response.status_code == 200


def test_one_answer_can_be_read_alone(nh):
    api = nh["api"][Role.STATE_STAFF]
    assert api.get(url(nh["assessment"])).json()["answer"] is None
    api.put(url(nh["assessment"]), answer(2))
    assert api.get(url(nh["assessment"])).json()["answer"]["rating"] == 2


def test_a_first_answer_and_a_change_each_get_a_new_version(nh):
    api = nh["api"][Role.STATE_STAFF]
    first = api.put(url(nh["assessment"]), answer(2, evidence="Plan drafted"))
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["version"] == 1
    assert body["indicator"] == CODE
    assert body["answered"] == 1 and body["total"] == 48
    assert body["assessment_version"] == Assessment.objects.get().version
    second = api.put(url(nh["assessment"]), answer(None, dont_know=True, version=1))
    assert second.json()["version"] == 2
    stored = Answer.objects.get()
    assert (stored.rating, stored.dont_know, stored.evidence, stored.version) == (
        None,
        True,
        "",
        2,
    )


def test_a_stale_version_is_a_409_with_both_versions_and_changes_nothing(nh):
    staff, staff2 = nh["api"][Role.STATE_STAFF], nh["api"]["staff2"]
    assert staff.put(url(nh["assessment"]), answer(3, evidence="Ours")).status_code == 200
    assert staff2.put(url(nh["assessment"]), answer(1, version=1)).status_code == 200
    before = Answer.history.count()
    stale = staff.put(url(nh["assessment"]), answer(4, evidence="Mine, later", version=1))
    body = assert_error_shape(stale, 409, "answer_conflict")
    assert body["yours"] == {
        "rating": 4,
        "dont_know": False,
        "evidence": "Mine, later",
        "version": 1,
    }
    assert body["theirs"]["rating"] == 1
    assert body["theirs"]["version"] == 2
    assert body["theirs"]["updated_by"] == "second"
    assert Answer.history.count() == before
    assert Answer.objects.get().rating == 1
    # Sending again with their version means "keep mine".
    again = staff.put(url(nh["assessment"]), answer(4, version=body["theirs"]["version"]))
    assert again.json()["version"] == 3


def test_two_first_answers_to_one_indicator_conflict(nh):
    assert nh["api"][Role.STATE_STAFF].put(url(nh["assessment"]), answer(3)).status_code == 200
    body = assert_error_shape(
        nh["api"]["staff2"].put(url(nh["assessment"]), answer(2)), 409, "answer_conflict"
    )
    assert body["yours"]["version"] == 0
    assert body["theirs"]["version"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (answer(5), "rating"),
        (answer(0), "rating"),
        (answer("3"), "rating"),
        (answer(2.0), "rating"),
        (answer(True), "rating"),
        (answer(3, dont_know=True), "dont_know"),
        (answer(3, dont_know="true"), "dont_know"),
        (answer(3, evidence="x" * (EVIDENCE_MAX_LENGTH + 1)), "evidence"),
        (answer(3, evidence="a\x00b"), "evidence"),
        (answer(3, evidence=12), "evidence"),
        (answer(3, version=-1), "version"),
        (answer(3, version="0"), "version"),
        (answer(3, version=2**40), "version"),
        ({"rating": 3, "dont_know": False, "evidence": ""}, "version"),
        ({"dont_know": False, "evidence": "", "version": 0}, "rating"),
    ],
)
def test_bad_answers_are_a_400_naming_the_field_and_change_nothing(nh, body, field):
    response = nh["api"][Role.STATE_STAFF].put(url(nh["assessment"]), body)
    result = assert_error_shape(response, 400, "invalid")
    assert field in result["fields"], result
    assert not Answer.objects.exists()


def test_a_body_that_is_not_an_object_is_a_400(nh):
    response = nh["api"][Role.STATE_STAFF].put(url(nh["assessment"]), [1, 2])
    assert_error_shape(response, 400)


def test_an_evidence_note_of_exactly_the_limit_is_kept_as_sent(nh):
    note = "  " + "x" * (EVIDENCE_MAX_LENGTH - 2)
    response = nh["api"][Role.STATE_STAFF].put(url(nh["assessment"]), answer(3, evidence=note))
    assert response.status_code == 200
    assert Answer.objects.get().evidence == note


def test_an_indicator_the_framework_lacks_is_a_404(nh):
    response = nh["api"][Role.STATE_STAFF].put(url(nh["assessment"], "ZZ-99"), answer(3))
    body = assert_error_shape(response, 404, "not_found")
    assert "ZZ-99" in body["message"]


@pytest.mark.parametrize("role", [Role.DISTRICT_LEADER, Role.TASK_FORCE])
def test_roles_that_only_read_get_a_403(nh, role):
    response = nh["api"][role].put(url(nh["assessment"]), answer(3))
    assert_error_shape(response, 403, "not_allowed")
    assert not Answer.objects.exists()


def test_another_states_assessment_is_a_404_for_reading_and_writing(nh):
    api = nh["api"]["vt_admin"]
    assert_error_shape(api.get(f"/api/v1/assessments/{nh['assessment'].pk}/answers/"), 404)
    assert_error_shape(api.put(url(nh["assessment"]), answer(3)), 404, "not_found")


@pytest.mark.parametrize("status", [Assessment.Status.SUBMITTED, Assessment.Status.ACCEPTED])
def test_a_submitted_or_accepted_assessment_refuses_answers_with_a_409(nh, status):
    Assessment.objects.filter(pk=nh["assessment"].pk).update(status=status)
    response = nh["api"][Role.STATE_STAFF].put(url(nh["assessment"]), answer(3))
    body = assert_error_shape(response, 409, "locked")
    assert "yours" not in body
    assert not Answer.objects.exists()


def test_an_anonymous_write_is_a_401(nh, client):
    response = client.put(url(nh["assessment"]), answer(3), content_type="application/json")
    assert_error_shape(response, 401)


def test_the_autosave_refuses_a_nul_byte_in_the_note_with_a_json_400(nh, client):
    client.force_login(nh["staff"])
    response = client.post(
        f"/assessments/{nh['assessment'].pk}/answers/{CODE}/",
        {"choice": "3", "evidence": "before\x00after", "version": "0"},
    )
    body = assert_error_shape(response, 400)
    assert "NUL" in body["message"]
    assert not Answer.objects.exists()
