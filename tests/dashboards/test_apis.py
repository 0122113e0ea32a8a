"""The dashboard API: scoped like the pages, the same numbers, strict filters, a clean
OpenAPI schema."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from dashboards import selectors
from dashboards.selectors import DashboardFilters
from tests.factories import UserFactory
from tests.test_api_conventions import assert_error_shape

pytestmark = pytest.mark.django_db

STATE_ROLES = [Role.STATE_ADMIN, Role.STATE_STAFF, Role.TASK_FORCE]


def state_api(code, cycle, leas=False):
    name = "api-dashboard-state-leas" if leas else "api-dashboard-state"
    return reverse(name, args=[code, cycle.pk])


@pytest.mark.parametrize("role", STATE_ROLES)
def test_state_roles_read_their_own_state_only(client, two_states, role):
    client.force_login(two_states["NH"]["users"][role])
    nh, vt = two_states["NH"]["cycle"], two_states["VT"]["cycle"]
    assert client.get(state_api("NH", nh)).status_code == 200
    assert client.get(state_api("NH", nh, leas=True)).status_code == 200
    assert client.get(state_api("VT", vt)).status_code == 404
    assert client.get(state_api("VT", vt, leas=True)).status_code == 404
    assert client.get(state_api("NH", vt)).status_code == 404
    assert client.get(reverse("api-dashboard-national")).status_code == 403


def test_district_leaders_read_no_dashboard(client, two_states):
    client.force_login(two_states["NH"]["users"][Role.DISTRICT_LEADER])
    nh, vt = two_states["NH"]["cycle"], two_states["VT"]["cycle"]
    assert client.get(state_api("NH", nh)).status_code == 403
    assert client.get(state_api("NH", nh, leas=True)).status_code == 403
    assert client.get(state_api("VT", vt)).status_code == 404
    assert client.get(reverse("api-dashboard-national")).status_code == 403


def test_signed_out_callers_are_refused(client, two_states):
    for url in (state_api("NH", two_states["NH"]["cycle"]), reverse("api-dashboard-national")):
        response = client.get(url)
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"


def test_the_api_gives_the_dashboards_numbers(client, make_world, framework):
    world = make_world(code="NH", lea_count=120, seed="api", with_answers=True)
    client.force_login(UserFactory(role=Role.NATIONAL_ADMIN))
    filters = DashboardFilters(locale="rural")
    data = client.get(state_api("NH", world.cycle), {"locale": "rural"}).json()
    summary = selectors.state_dashboard_summary(
        state=world.state, cycle=world.cycle, framework=framework.spec, filters=filters
    )
    assert data["leas"] == summary.leas
    assert data["median_overall"] == summary.median
    assert [c["leas"] for c in data["completion"]] == [n for _, _, n in summary.completion]
    assert [s["leas"] for s in data["stages"]] == list(summary.stages)
    assert [g["key"] for g in data["locales"]] == ["rural"]
    assert len(data["levers"]) == 9
    assert [t["name"] for t in data["trend"]] == ["2025-26", "2026-27"]

    page = client.get(state_api("NH", world.cycle, leas=True), {"sort": "-overall"}).json()
    assessed = sum(1 for a in world.assessments if a.cycle_id == world.cycle.pk)
    assert page["count"] == assessed and page["pages"] == (assessed + 99) // 100
    overall = [r["overall"] for r in page["results"] if r["overall"] is not None]
    assert overall == sorted(overall, reverse=True)
    assert set(page["results"][0]["domains"]) == {d["code"] for d in framework.content["domains"]}


def test_the_api_refuses_unknown_filters_and_sorts(client, two_states):
    client.force_login(two_states["national"])
    cycle = two_states["NH"]["cycle"]
    assert client.get(state_api("NH", cycle), {"size": "huge"}).status_code == 400
    assert client.get(state_api("NH", cycle, leas=True), {"sort": "secret"}).status_code == 400


def test_the_national_api_lists_every_state(client, make_world):
    make_world(code="NH", lea_count=15, seed="a", profile_statuses={"task_force": "enacted"})
    make_world(code="VT", lea_count=5, seed="b")
    client.force_login(UserFactory(role=Role.NATIONAL_ADMIN))
    body = client.get(reverse("api-dashboard-national")).json()
    assert body["count"] == 2  # paged like every list
    rows = {row["state"]: row for row in body["results"]}
    assert rows["NH"]["levers"]["task_force"] == "enacted"
    assert rows["NH"]["leas"] == 15 and rows["VT"]["leas"] == 5
    one = client.get(reverse("api-dashboard-national"), {"page_size": 1, "page": 2}).json()
    assert [row["state"] for row in one["results"]] == [body["results"][1]["state"]]


def test_the_national_api_refuses_a_cycle_no_state_has(client, two_states):
    client.force_login(two_states["national"])
    url = reverse("api-dashboard-national")
    assert client.get(url, {"cycle": "2026-27"}).status_code == 200
    body = assert_error_shape(client.get(url, {"cycle": "1999-00"}), 400, "invalid")
    assert set(body["fields"]) == {"cycle"}
    body = assert_error_shape(client.get(f"{url}?cycle=2026-27&cycle=2026-27"), 400, "invalid")
    assert set(body["fields"]) == {"cycle"}


@pytest.mark.parametrize(
    ("query", "leas", "field"),
    [
        ("locale=rural&locale=city", False, "locale"),
        ("status=draft&status=accepted", True, "status"),
        ("size=small&size=small", False, "size"),
        ("sort=name&sort=overall", True, "sort"),
        ("page=1&page=2", True, "page"),
        ("page=abc", True, "page"),
        ("page=0", True, "page"),
        ("page=99999999999999", True, "page"),
        ("locale=%00", False, "locale"),
    ],
)
def test_a_repeated_or_malformed_parameter_is_a_400_naming_it(
    client, two_states, query, leas, field
):
    client.force_login(two_states["national"])
    url = state_api("NH", two_states["NH"]["cycle"], leas=leas)
    body = assert_error_shape(client.get(f"{url}?{query}"), 400, "invalid")
    assert set(body["fields"]) == {field}


def test_a_heatmap_page_past_the_last_is_a_404(client, two_states):
    client.force_login(two_states["national"])
    url = state_api("NH", two_states["NH"]["cycle"], leas=True)
    assert client.get(url, {"page": 1}).json()["count"] == 0  # page 1 exists, empty
    assert_error_shape(client.get(url, {"page": 2}), 404, "not_found")


@pytest.mark.slow
def test_the_state_api_costs_the_same_queries_for_10_and_500_leas(client, make_world):
    client.force_login(UserFactory(role=Role.NATIONAL_ADMIN))
    counts = []
    for code, n in (("VT", 10), ("NH", 500)):
        world = make_world(code=code, lea_count=n, seed=code, with_answers=True)
        for url in (state_api(code, world.cycle), state_api(code, world.cycle, leas=True)):
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
    assert counts[:2] == counts[2:]


def test_the_openapi_schema_with_the_dashboard_api_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    assert "/api/v1/dashboards/{state_code}/{cycle_id}/" in text
    assert "/api/v1/dashboards/national/" in text
