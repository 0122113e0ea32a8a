"""Inputs the schema refuses are refused by the API too (found by the schema fuzz,
tests/test_api_fuzz.py): each case here is one it reported."""

import pytest

from accounts.models import Role
from directory.models import State
from tests.factories import CycleFactory, LEAFactory, StateFactory, UserFactory
from tests.test_api_conventions import assert_error_shape

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_in_nh(client):
    state = StateFactory(code="NH")
    LEAFactory(state=state, is_charter=True)
    LEAFactory(state=state, is_charter=False)
    client.force_login(UserFactory(role=Role.STATE_STAFF, state=state))
    return client


@pytest.mark.parametrize("query", ["page_size=0", "page_size=501", "page=0"])
def test_a_page_size_outside_the_published_bounds_is_a_400(client_in_nh, query):
    body = assert_error_shape(client_in_nh.get(f"/api/v1/leas/?{query}"), 400, "invalid")
    assert set(body["fields"]) == {query.split("=")[0]}


def test_the_schema_publishes_the_page_bounds(client_in_nh):
    schema = client_in_nh.get("/api/v1/schema/?format=json").json()
    parameters = {
        p["name"]: p["schema"] for p in schema["paths"]["/api/v1/leas/"]["get"]["parameters"]
    }
    assert parameters["page"]["minimum"] == 1
    assert (parameters["page_size"]["minimum"], parameters["page_size"]["maximum"]) == (1, 500)
    assert client_in_nh.get("/api/v1/leas/?page_size=500").status_code == 200


@pytest.mark.parametrize("junk", ["AAA", "1", "True", "yes", ""])
def test_a_boolean_filter_takes_only_true_or_false(client_in_nh, junk):
    body = assert_error_shape(client_in_nh.get(f"/api/v1/leas/?charter={junk}"), 400)
    assert body["fields"] == {"charter": ["Give true or false."]}


@pytest.mark.parametrize(("value", "count"), [("true", 1), ("false", 1)])
def test_a_boolean_filter_still_filters(client_in_nh, value, count):
    response = client_in_nh.get(f"/api/v1/leas/?charter={value}")
    assert response.status_code == 200 and response.json()["count"] == count


def test_options_is_a_405_like_any_method_the_schema_does_not_list(client_in_nh):
    response = client_in_nh.options("/api/v1/leas/")
    assert_error_shape(response, 405, "method_not_allowed")
    assert "National" not in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/leas/{leaid}/results/{huge}/",
        "/api/v1/leas/{leaid}/cycles/{huge}/alignment/",
        "/api/v1/policy-profiles/NH/{huge}/",
        "/api/v1/dashboards/NH/{huge}/",
    ],
)
def test_an_id_too_large_for_the_database_is_a_404(client_in_nh, path):
    leaid = client_in_nh.get("/api/v1/leas/").json()["results"][0]["leaid"]
    url = path.format(leaid=leaid, huge=2**100)
    assert_error_shape(client_in_nh.get(url), 404, "not_found")


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/leas/?state=", "state"),
        ("/api/v1/assessments/?assignee=", "assignee"),
        ("/api/v1/policy-profiles/?state=", "state"),
        ("/api/v1/policy-profiles/?cycle=", "cycle"),
        ("/api/v1/reports/?state=", "state"),
        ("/api/v1/reports/?status=", "status"),
        ("/api/v1/dashboards/NH/{cycle}/?locale=", "locale"),
        ("/api/v1/dashboards/NH/{cycle}/leas/?size=", "size"),
    ],
)
def test_a_filter_given_with_no_value_is_a_400_naming_it(client_in_nh, path, name):
    cycle = CycleFactory(state=State.objects.get(code="NH"))
    response = client_in_nh.get(path.format(cycle=cycle.pk))
    body = assert_error_shape(response, 400, "invalid")
    assert list(body["fields"]) == [name]


def test_the_schema_says_the_assignee_filter_needs_a_value(client_in_nh):
    schema = client_in_nh.get("/api/v1/schema/?format=json").json()
    parameters = {
        p["name"]: p["schema"] for p in schema["paths"]["/api/v1/assessments/"]["get"]["parameters"]
    }
    assert parameters["assignee"]["minLength"] == 1
    assert "minLength" not in parameters["lea"]  # free text: empty is "no filter"
