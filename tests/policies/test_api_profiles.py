"""Policy profiles through the API: listing, starting and editing a lever, with the edit
page's rules, messages and conflict check; scoped like the pages."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Role
from assessments.scoring import state_stage
from policies.models import LeverStatus, StatePolicyProfile
from tests.factories import CycleFactory
from tests.test_api_conventions import assert_error_shape

READERS = [Role.STATE_STAFF, Role.TASK_FORCE, Role.DISTRICT_LEADER]


def lever_url(profile, lever="credit_flexibility"):
    return f"/api/v1/policy-profiles/{profile.state.code}/{profile.cycle_id}/levers/{lever}/"


def stored(profile, lever="credit_flexibility"):
    return LeverStatus.objects.get(profile=profile, lever__code=lever)


def put(client, url, **body):
    return client.put(url, body, content_type="application/json")


def snapshot(profile):
    return sorted(
        LeverStatus.objects.filter(profile=profile).values_list(
            "lever__code", "status", "citation", "note", "version"
        )
    )


# --- listing ---------------------------------------------------------------------------


def test_the_list_is_paged_and_holds_only_the_callers_states(
    client, two_states, nh_profile, vt_profile
):
    client.force_login(two_states["NH"]["users"][Role.DISTRICT_LEADER])
    body = client.get("/api/v1/policy-profiles/").json()
    assert body["count"] == 1
    (row,) = body["results"]
    assert (row["state"], row["cycle_id"], row["stage"], row["active"], row["lever_total"]) == (
        "NH",
        nh_profile.cycle_id,
        "emerging",
        1,
        9,
    )
    client.force_login(two_states["national"])
    body = client.get("/api/v1/policy-profiles/").json()
    assert {row["state"] for row in body["results"]} == {"NH", "VT"}


def test_the_list_filters_by_state_and_cycle(client, two_states, nh_profile, vt_profile):
    client.force_login(two_states["national"])
    by_state = client.get("/api/v1/policy-profiles/", {"state": "vt"}).json()
    assert [row["state"] for row in by_state["results"]] == ["VT"]
    by_cycle = client.get("/api/v1/policy-profiles/", {"cycle": nh_profile.cycle_id}).json()
    assert [row["state"] for row in by_cycle["results"]] == ["NH"]


@pytest.mark.parametrize(
    "query",
    ["state=NHX", "state=1", "cycle=abc", "cycle=1.5", "cycle=0", "cycle=1&cycle=2", "page=0"],
)
def test_a_bad_filter_is_a_400_naming_it(client, two_states, query):
    client.force_login(two_states["national"])
    body = assert_error_shape(client.get(f"/api/v1/policy-profiles/?{query}"), 400, "invalid")
    assert set(body["fields"]) == {query.split("=")[0]}


def test_signed_out_callers_get_a_401(client, nh_profile):
    assert_error_shape(client.get("/api/v1/policy-profiles/"), 401, "not_authenticated")
    assert_error_shape(client.put(lever_url(nh_profile), {}), 401, "not_authenticated")


# --- editing a lever --------------------------------------------------------------------------


def test_a_state_administrator_records_a_lever_and_gets_the_new_version_and_stage(
    client, two_states, nh_profile
):
    client.force_login(two_states["NH"]["users"][Role.STATE_ADMIN])
    before = stored(nh_profile)
    response = put(
        client,
        lever_url(nh_profile, "pilots_grants"),
        status="statewide",
        citation=" RSA  194-F:2 ",
        note="Grants open to all LEAs.",
        version=stored(nh_profile, "pilots_grants").version,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    row = stored(nh_profile, "pilots_grants")
    assert (row.status, row.citation, row.note) == (
        "statewide",
        "RSA 194-F:2",
        "Grants open to all LEAs.",
    )
    assert body["changed"] is True
    assert body["version"] == body["lever"]["version"] == row.version == 2
    assert body["lever"]["citation"] == "RSA 194-F:2" and body["lever"]["active"] is True
    framework = nh_profile.cycle.framework.spec
    statuses = dict(
        LeverStatus.objects.filter(profile=nh_profile).values_list("lever__code", "status")
    )
    assert body["stage"] == state_stage(framework, statuses)
    assert body["stage_label"] == framework.state_stage_label(body["stage"])
    nh_profile.refresh_from_db()
    assert nh_profile.stage == body["stage"]
    assert stored(nh_profile) == before  # the other levers are untouched
    assert row.history.count() == 2 and row.history.first().history_user.role == Role.STATE_ADMIN


def test_sending_what_is_stored_changes_nothing(client, two_states, nh_profile):
    client.force_login(two_states["NH"]["users"][Role.STATE_ADMIN])
    row = stored(nh_profile)
    body = put(
        client,
        lever_url(nh_profile),
        status=row.status,
        citation=row.citation,
        note=row.note,
        version=row.version,
    ).json()
    assert (body["changed"], body["version"]) == (False, row.version)


def test_a_national_administrator_may_edit_any_state(client, two_states, vt_profile):
    client.force_login(two_states["national"])
    response = put(client, lever_url(vt_profile, "task_force"), status="exploring", version=1)
    assert response.status_code == 200
    assert stored(vt_profile, "task_force").status == "exploring"


@pytest.mark.parametrize("role", READERS)
def test_readers_of_the_state_are_refused_with_a_403(client, two_states, nh_profile, role):
    client.force_login(two_states["NH"]["users"][role])
    before = snapshot(nh_profile)
    response = put(client, lever_url(nh_profile), status="none", version=1)
    assert_error_shape(response, 403, "permission_denied")
    assert snapshot(nh_profile) == before


@pytest.mark.parametrize("role", [Role.STATE_ADMIN, *READERS])
def test_another_states_profile_is_a_404(client, two_states, vt_profile, role):
    client.force_login(two_states["NH"]["users"][role])
    assert_error_shape(put(client, lever_url(vt_profile), status="none", version=1), 404)
    url = f"/api/v1/policy-profiles/VT/{vt_profile.cycle_id}/"
    assert_error_shape(client.get(url), 404, "not_found")


def test_a_stale_version_is_a_409_with_both_versions_and_nothing_saved(
    client, two_states, nh_profile
):
    admin = two_states["NH"]["users"][Role.STATE_ADMIN]
    client.force_login(admin)
    first = put(
        client, lever_url(nh_profile), status="statewide", citation="RSA 193-C:3", version=1
    )
    assert first.status_code == 200 and first.json()["version"] == 2
    before = snapshot(nh_profile)
    response = put(
        client,
        lever_url(nh_profile),
        status="exploring",
        citation="",
        note="A study first.",
        version=1,
    )
    body = assert_error_shape(response, 409, "policy_conflict")
    assert body["yours"] == {
        "status": "exploring",
        "citation": "",
        "note": "A study first.",
        "version": 1,
    }
    assert (body["theirs"]["status"], body["theirs"]["version"]) == ("statewide", 2)
    assert "version 2" in body["message"]
    assert snapshot(nh_profile) == before
    again = put(client, lever_url(nh_profile), status="exploring", version=2)
    assert again.status_code == 200 and again.json()["version"] == 3


def test_an_unknown_lever_is_a_404_and_an_unknown_status_a_400_naming_them(
    client, two_states, nh_profile
):
    client.force_login(two_states["NH"]["users"][Role.STATE_ADMIN])
    before = snapshot(nh_profile)
    body = assert_error_shape(
        put(client, lever_url(nh_profile, "moon_base"), status="none", version=0),
        404,
        "unknown_lever",
    )
    assert body["fields"]["lever"] == ["“moon_base” is not a lever of this framework."]
    body = assert_error_shape(put(client, lever_url(nh_profile), status="banned", version=2), 400)
    assert set(body["fields"]) == {"status"}
    assert "“banned”" in body["fields"]["status"][0]
    assert snapshot(nh_profile) == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({"citation": "RSA 1", "version": 2}, "status"),
        ({"status": "none"}, "version"),
        ({"status": "none", "version": -1}, "version"),
        ({"status": "none", "version": "two"}, "version"),
        ({"status": "none", "version": 2**40}, "version"),
        ({"status": ["none"], "version": 2}, "status"),
        ({"status": "none", "note": None, "version": 2}, "note"),
    ],
)
def test_a_malformed_body_is_a_400_naming_the_field(client, two_states, nh_profile, body, field):
    client.force_login(two_states["NH"]["users"][Role.STATE_ADMIN])
    response = client.put(lever_url(nh_profile), body, content_type="application/json")
    assert field in assert_error_shape(response, 400, "invalid")["fields"]


PAGE_CASES = [
    ("statewide", "", "needs a citation"),  # in force without a citation
    ("enacted", "SB", "needs both letters and a number"),
    ("exploring", "javascript:alert(1)", "cannot be a script"),
    ("enacted", "www.example.gov/rule", "Add https://"),
    ("shining", "", "is not a status"),
]


@pytest.mark.parametrize("status, citation, words", PAGE_CASES)
def test_the_api_refuses_what_the_page_refuses_with_the_same_messages(
    client, two_states, nh_profile, status, citation, words
):
    client.force_login(two_states["NH"]["users"][Role.STATE_ADMIN])
    row = stored(nh_profile, "innovation_zones")
    page_data = {
        f"{r.lever.code}-{name}": value
        for r in LeverStatus.objects.filter(profile=nh_profile).select_related("lever")
        for name, value in (
            ("status", r.status),
            ("citation", r.citation),
            ("note", r.note),
            ("version", r.version),
        )
    }
    page_data.update({"innovation_zones-status": status, "innovation_zones-citation": citation})
    page = client.post(
        reverse("policies:profile_edit", args=["NH", nh_profile.cycle_id]), page_data
    )
    assert page.status_code == 400
    form = next(f for f in page.context["forms"] if f.lever.code == "innovation_zones")
    page_errors = {name: list(errors) for name, errors in form.errors.items()}

    response = put(
        client,
        lever_url(nh_profile, "innovation_zones"),
        status=status,
        citation=citation,
        version=row.version,
    )
    body = assert_error_shape(response, 400, "invalid")
    assert body["fields"] == page_errors
    assert words in " ".join(sum(page_errors.values(), []))


def test_the_api_and_the_page_store_the_same_edit(client, two_states, framework):
    nh = two_states["NH"]
    client.force_login(nh["users"][Role.STATE_ADMIN])
    cycles = [nh["cycle"], CycleFactory(state=nh["state"], framework=framework, name="2027-28")]
    for cycle in cycles:
        client.post(reverse("policies:profile_start", args=["NH", cycle.pk]))
    via_page, via_api = (StatePolicyProfile.objects.get(cycle=cycle) for cycle in cycles)
    data = {
        f"{r.lever.code}-{name}": value
        for r in LeverStatus.objects.filter(profile=via_page).select_related("lever")
        for name, value in (("status", r.status), ("citation", ""), ("note", ""), ("version", 1))
    }
    data.update({"local_capacity-status": "enacted", "local_capacity-citation": "HB 12 (2025)"})
    assert (
        client.post(
            reverse("policies:profile_edit", args=["NH", via_page.cycle_id]), data
        ).status_code
        == 302
    )
    response = put(
        client,
        lever_url(via_api, "local_capacity"),
        status="enacted",
        citation="HB 12 (2025)",
        version=1,
    )
    assert response.status_code == 200

    def strip(rows):
        return [row[:-1] for row in rows]  # without the profile

    page_rows = LeverStatus.objects.filter(profile=via_page).values_list(
        "lever__code", "status", "citation", "note", "version", "profile"
    )
    api_rows = LeverStatus.objects.filter(profile=via_api).values_list(
        "lever__code", "status", "citation", "note", "version", "profile"
    )
    assert strip(sorted(page_rows)) == strip(sorted(api_rows))
    via_page.refresh_from_db()
    via_api.refresh_from_db()
    assert via_page.stage == via_api.stage == response.json()["stage"]


# --- starting a profile ------------------------------------------------------------------------


def test_a_state_administrator_starts_a_profile_once(client, two_states, nh_profile, framework):
    nh = two_states["NH"]
    later = CycleFactory(
        state=nh["state"],
        framework=framework,
        name="2027-28",
        starts_on=datetime.date(2027, 8, 1),
        ends_on=datetime.date(2028, 6, 30),
    )
    client.force_login(nh["users"][Role.STATE_ADMIN])
    response = client.post(
        "/api/v1/policy-profiles/",
        {"state": "nh", "cycle": later.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["cycle_id"], body["can_edit"]) == ("NH", later.pk, True)
    credit = next(lever for lever in body["levers"] if lever["code"] == "credit_flexibility")
    assert (credit["status"], credit["citation"]) == ("enacted", "RSA 193-C:3")  # carried over
    again = client.post(
        "/api/v1/policy-profiles/",
        {"state": "NH", "cycle": later.pk},
        content_type="application/json",
    )
    assert again.status_code == 200
    assert StatePolicyProfile.objects.filter(cycle=later).count() == 1


@pytest.mark.parametrize("role", READERS)
def test_only_administrators_start_a_profile(client, two_states, role):
    nh = two_states["NH"]
    client.force_login(nh["users"][role])
    response = client.post(
        "/api/v1/policy-profiles/",
        {"state": "NH", "cycle": nh["cycle"].pk},
        content_type="application/json",
    )
    assert_error_shape(response, 403, "permission_denied")
    assert not StatePolicyProfile.objects.exists()


def test_starting_another_states_profile_or_a_bad_body_is_refused(client, two_states):
    client.force_login(two_states["NH"]["users"][Role.STATE_ADMIN])
    vt_cycle = two_states["VT"]["cycle"].pk
    for state, cycle in (("VT", vt_cycle), ("NH", vt_cycle)):
        response = client.post(
            "/api/v1/policy-profiles/",
            {"state": state, "cycle": cycle},
            content_type="application/json",
        )
        assert_error_shape(response, 404, "not_found")
    for body, field in (({"state": "N", "cycle": 1}, "state"), ({"state": "NH"}, "cycle")):
        response = client.post("/api/v1/policy-profiles/", body, content_type="application/json")
        assert set(assert_error_shape(response, 400, "invalid")["fields"]) == {field}
    assert not StatePolicyProfile.objects.exists()


BIG = 10**20


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/policy-profiles/NH/{BIG}/",
        "/api/v1/policy-profiles/NH/0/",
        "/api/v1/policy-profiles/N%00/1/",
        "/api/v1/policy-profiles/NH/1/levers/a%00b/",
        f"/api/v1/states/NH/cycles/{BIG}/levers/",
        f"/api/v1/leas/3300001/cycles/{BIG}/alignment/",
        "/api/v1/leas/33%0001/cycles/1/alignment/",
        f"/api/v1/reports/{BIG}/",
        f"/api/v1/reports/{BIG}/pdf/",
        f"/api/v1/dashboards/NH/{BIG}/",
        f"/api/v1/dashboards/NH/{BIG}/leas/",
    ],
)
def test_an_id_past_any_row_or_a_nul_in_the_path_is_a_404_or_400_not_a_crash(
    client, two_states, url
):
    client.force_login(two_states["national"])
    if "%00" in url:  # a control character is refused before anything looks it up
        assert_error_shape(client.get(url), 400, "invalid")
    else:
        assert_error_shape(client.get(url), 404, "not_found")
