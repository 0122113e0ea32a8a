"""Assessments through the API: the scoped list and its filters, one assessment, and
starting one (201 when new, 200 when it existed) through the page's service and rule."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from assessments.models import Assessment
from tests.assessments.api import assert_error_shape, world_with_assessment
from tests.factories import AssessmentFactory, CycleFactory, LEAFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def nh(two_states):
    return world_with_assessment(two_states)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_an_assessment_has_its_lea_cycle_framework_status_version_and_counts(nh, framework):
    Assessment.objects.filter(pk=nh["assessment"].pk).update(assignee=nh["staff"], answered_count=5)
    response = nh["api"][Role.STATE_STAFF].get(f"/api/v1/assessments/{nh['assessment'].pk}/")
    assert response.status_code == 200
    body = response.json()
    lea = nh["leas"][0]
    assert body["id"] == nh["assessment"].pk
    assert (body["lea"], body["lea_name"], body["state"]) == (lea.leaid, lea.name, "NH")
    assert (body["cycle"], body["cycle_name"]) == (nh["cycle"].pk, nh["cycle"].name)
    assert body["framework"] == {"code": framework.code, "version": framework.version}
    assert (body["status"], body["version"]) == ("draft", 1)
    assert (body["answered"], body["total"]) == (5, 48)
    assert body["assignee"]["username"] == nh["staff"].username
    assert body["submitted_at"] is None


def test_the_list_is_scoped_and_filtered(nh, two_states):
    second = AssessmentFactory(lea=nh["leas"][1], cycle=nh["cycle"], assignee=nh["staff2"])
    Assessment.objects.filter(pk=second.pk).update(status=Assessment.Status.SUBMITTED)
    vt = two_states["VT"]
    AssessmentFactory(lea=vt["leas"][0], cycle=vt["cycle"])
    api = nh["api"][Role.STATE_ADMIN]
    first = nh["assessment"].pk
    assert ids(api.get("/api/v1/assessments/")) == [first, second.pk]
    assert ids(api.get("/api/v1/assessments/", state="VT")) == []
    assert ids(api.get("/api/v1/assessments/", state="nh")) == [first, second.pk]
    assert ids(api.get("/api/v1/assessments/", status="submitted")) == [second.pk]
    assert ids(api.get("/api/v1/assessments/", cycle=nh["cycle"].pk)) == [first, second.pk]
    assert ids(api.get("/api/v1/assessments/", cycle=vt["cycle"].pk)) == []
    assert ids(api.get("/api/v1/assessments/", lea=nh["leas"][1].leaid)) == [second.pk]
    assert ids(api.get("/api/v1/assessments/", assignee="second")) == [second.pk]
    assert ids(api.get("/api/v1/assessments/", assignee=str(nh["staff2"].pk))) == [second.pk]
    assert ids(api.get("/api/v1/assessments/", assignee="nobody")) == []
    assert ids(nh["api"]["staff2"].get("/api/v1/assessments/", assignee="me")) == [second.pk]
    assert len(ids(nh["api"]["national"].get("/api/v1/assessments/"))) == 3


def test_a_district_leader_lists_only_their_own_leas_assessments(nh):
    AssessmentFactory(lea=nh["leas"][1], cycle=nh["cycle"])
    assert ids(nh["api"][Role.DISTRICT_LEADER].get("/api/v1/assessments/")) == [nh["assessment"].pk]


@pytest.mark.parametrize(
    "query",
    ["status=finished", "status=", "cycle=abc", "cycle=1.5", "cycle=0", "assignee=", "state=XYZ"],
)
def test_list_filters_refuse_what_cannot_be_right(nh, query):
    response = nh["api"][Role.STATE_ADMIN].client.get(f"/api/v1/assessments/?{query}")
    body = assert_error_shape(response, 400, "invalid")
    assert set(body["fields"]) == {query.split("=")[0]}


def test_another_states_assessment_is_a_404(nh):
    response = nh["api"]["vt_admin"].get(f"/api/v1/assessments/{nh['assessment'].pk}/")
    assert_error_shape(response, 404, "not_found")


def start(api, lea, cycle):
    return api.post("/api/v1/assessments/", {"lea": lea.leaid, "cycle": cycle.pk})


def test_starting_an_assessment_is_201_then_200_for_the_same_one(nh):
    api = nh["api"][Role.STATE_STAFF]
    lea = nh["leas"][1]
    created = start(api, lea, nh["cycle"])
    assert created.status_code == 201, created.content
    body = created.json()
    assert {"id", "status", "version"} <= set(body)
    assert (body["status"], body["version"], body["lea"]) == ("draft", 1, lea.leaid)
    assert body["assignee"]["username"] == nh["staff"].username  # as on the page
    again = start(nh["api"][Role.STATE_ADMIN], lea, nh["cycle"])
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert Assessment.objects.filter(lea=lea).count() == 1


@pytest.mark.parametrize("role", [Role.DISTRICT_LEADER, Role.TASK_FORCE])
def test_roles_that_do_not_start_assessments_get_a_403(nh, role):
    response = start(nh["api"][role], nh["leas"][0], nh["cycle"])
    assert_error_shape(response, 403, "not_allowed")


def test_a_closed_cycle_cannot_be_started(nh):
    closed = CycleFactory(state=nh["state"], name="2024-25", is_open=False)
    response = start(nh["api"][Role.STATE_STAFF], nh["leas"][1], closed)
    assert_error_shape(response, 403, "not_allowed")
    assert not Assessment.objects.filter(cycle=closed).exists()


def test_an_lea_or_cycle_of_another_state_is_a_404_naming_the_field(nh, two_states):
    vt = two_states["VT"]
    api = nh["api"][Role.STATE_STAFF]
    body = assert_error_shape(start(api, vt["leas"][0], nh["cycle"]), 404, "not_found")
    assert set(body["fields"]) == {"lea"}
    body = assert_error_shape(start(api, nh["leas"][1], vt["cycle"]), 404, "not_found")
    assert set(body["fields"]) == {"cycle"}
    missing = api.post("/api/v1/assessments/", {"lea": "0000000", "cycle": 2_000_000_000})
    body = assert_error_shape(missing, 404, "not_found")
    assert set(body["fields"]) == {"lea", "cycle"}
    assert not Assessment.objects.filter(lea=vt["leas"][0]).exists()


def test_a_national_admin_cannot_start_an_lea_in_another_states_cycle(nh, two_states):
    response = start(nh["api"]["national"], nh["leas"][1], two_states["VT"]["cycle"])
    assert_error_shape(response, 403, "not_allowed")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"lea": 3300001, "cycle": 1},
        {"lea": "33000011", "cycle": 1},
        {"lea": "3300001", "cycle": "1"},
        {"lea": "3300001", "cycle": 0},
        {"lea": "3300001", "cycle": 10**19},
    ],
)
def test_a_malformed_start_is_a_400(nh, body):
    assert_error_shape(nh["api"][Role.STATE_STAFF].post("/api/v1/assessments/", body), 400)


def test_a_body_that_is_not_json_is_refused(nh):
    api = nh["api"][Role.STATE_STAFF]
    assert_error_shape(api.post("/api/v1/assessments/", "{nope"), 400, "parse_error")
    response = api.client.post("/api/v1/assessments/", {"lea": "x"})
    assert_error_shape(response, 415)


def test_the_list_costs_the_same_queries_for_two_assessments_or_twelve(nh, two_states):
    api = nh["api"]["national"]

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/assessments/").status_code == 200
        return len(queries)

    AssessmentFactory(lea=nh["leas"][1], cycle=nh["cycle"], assignee=nh["staff"])
    count()  # the first request of a session also records its activity time (idle timeout)
    few = count()
    for _ in range(10):
        AssessmentFactory(
            lea=LEAFactory(state=nh["state"]), cycle=nh["cycle"], assignee=nh["staff2"]
        )
    assert count() == few
