"""States, LEAs and cycles through the API: scoped lists, strict filters (a value that
cannot be right is a 400 naming the parameter; a well-formed one that matches nothing,
or only rows the user may not see, is an empty page)."""

import pytest

from accounts.models import Role
from directory.models import Locale
from tests.assessments.api import ApiClient, assert_error_shape
from tests.factories import CycleFactory, LEAFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def leas(two_states):
    nh = two_states["NH"]["state"]
    LEAFactory(state=nh, leaid="3300001", name="Concord School District", locale=Locale.CITY)
    LEAFactory(
        state=nh,
        leaid="3300002",
        name="Seacoast Charter",
        locale=Locale.TOWN,
        is_charter=True,
        agency_type="Independent charter district",
    )
    return two_states


def leaids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["leaid"] for row in response.json()["results"]]


def test_states_list_only_the_users_state(two_states):
    api = ApiClient(two_states["NH"]["users"][Role.STATE_STAFF])
    assert [s["code"] for s in api.get("/api/v1/states/").json()["results"]] == ["NH"]


def test_leas_are_paged_in_leaid_order_with_their_leaid(leas):
    api = ApiClient(leas["national"])
    body = api.get("/api/v1/leas/", page_size=2).json()
    assert body["count"] == 6
    assert len(body["results"]) == 2 and body["next"]
    everything = leaids(api.get("/api/v1/leas/"))
    assert everything == sorted(everything)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state": "NH", "search": "concord"}, ["3300001"]),
        ({"state": "nh", "search": "33000"}, ["3300001", "3300002"]),
        ({"state": "NH", "locale": "town"}, ["3300002"]),
        ({"state": "NH", "charter": "true"}, ["3300002"]),
        ({"state": "NH", "agency_type": "independent CHARTER district"}, ["3300002"]),
        ({"state": "ZZ"}, []),
        ({"search": ""}, None),
    ],
)
def test_lea_filters(leas, params, expected):
    api = ApiClient(leas["national"])
    found = leaids(api.get("/api/v1/leas/", **params))
    if expected is None:
        assert len(found) == 6
    else:
        assert found == expected


def test_charter_false_leaves_out_charters(leas):
    api = ApiClient(leas["national"])
    found = leaids(api.get("/api/v1/leas/", state="NH", charter="false"))
    assert "3300002" not in found and "3300001" in found


def test_another_states_code_is_an_empty_page_not_a_leak(leas):
    api = ApiClient(leas["NH"]["users"][Role.STATE_STAFF])
    assert leaids(api.get("/api/v1/leas/", state="VT")) == []
    assert leaids(api.get("/api/v1/cycles/", state="VT")) == []


@pytest.mark.parametrize(
    "query",
    [
        "charter=maybe",
        "charter=1",
        "charter=",
        "state=New%20Hampshire",
        "state=N1",
        "state=",
        "locale=moon",
        "status=bogus",
        "search=" + "x" * 101,
        "search=a%00b",
        "charter=true&charter=false",
    ],
)
def test_lea_filters_refuse_what_cannot_be_right(leas, query):
    api = ApiClient(leas["national"])
    body = assert_error_shape(api.client.get(f"/api/v1/leas/?{query}"), 400, "invalid")
    assert set(body["fields"]) == {query.split("=")[0]}


def test_an_lea_by_its_leaid(leas):
    api = ApiClient(leas["NH"]["users"][Role.TASK_FORCE])
    body = api.get("/api/v1/leas/3300002/").json()
    assert (body["leaid"], body["state"], body["is_charter"]) == ("3300002", "NH", True)
    assert_error_shape(
        ApiClient(leas["VT"]["users"][Role.STATE_ADMIN]).get("/api/v1/leas/3300002/"), 404
    )


def test_cycles_of_a_state_with_their_framework_code_and_version(two_states, framework):
    nh = two_states["NH"]
    older = CycleFactory(
        state=nh["state"], name="2025-26", starts_on="2025-08-01", ends_on="2026-06-30"
    )
    api = ApiClient(two_states["national"])
    rows = api.get("/api/v1/cycles/", state="NH").json()["results"]
    assert [row["id"] for row in rows] == [nh["cycle"].pk, older.pk]
    row = rows[0]
    assert row["framework"] == {"code": framework.code, "version": framework.version}
    assert row["framework_label"] == framework.label
    assert row["state"] == "NH"
    assert {"name", "starts_on", "ends_on", "is_open"} <= set(row)
    assert len(api.get("/api/v1/cycles/").json()["results"]) == 3


def test_cycles_filter_on_open_strictly(two_states):
    nh = two_states["NH"]
    CycleFactory(state=nh["state"], name="2024-25", is_open=False)
    api = ApiClient(nh["users"][Role.STATE_ADMIN])
    assert [r["id"] for r in api.get("/api/v1/cycles/", is_open="true").json()["results"]] == [
        nh["cycle"].pk
    ]
    assert_error_shape(api.get("/api/v1/cycles/", is_open="yes"), 400)


def test_an_id_too_long_for_the_database_is_a_404_not_a_crash(two_states):
    api = ApiClient(two_states["national"])
    lea = two_states["NH"]["leas"][0]
    huge = "9" * 30
    assert_error_shape(api.get(f"/api/v1/leas/{lea.leaid}/results/{huge}/"), 404)
    assert_error_shape(api.get(f"/api/v1/assessments/{huge}/"), 404)
