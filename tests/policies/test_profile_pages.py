"""Policy profile pages: who sees, who edits, what an edit does and what it refuses."""

import pytest
from django.urls import reverse

from accounts.models import Role
from assessments.scoring import state_stage
from policies.models import LeverStatus, StatePolicyProfile
from tests.factories import CycleFactory

READERS = [Role.STATE_STAFF, Role.TASK_FORCE, Role.DISTRICT_LEADER]


def _url(name, profile):
    return reverse(f"policies:{name}", args=[profile.state.code, profile.cycle_id])


def _form_data(profile, **changes):
    """The edit form as the page posts it, with `changes` = {lever: {field: value}}."""
    data = {}
    for row in LeverStatus.objects.filter(profile=profile).select_related("lever"):
        values = {
            "status": row.status,
            "citation": row.citation,
            "note": row.note,
            "version": row.version,
        }
        values.update(changes.get(row.lever.code, {}))
        for field, value in values.items():
            data[f"{row.lever.code}-{field}"] = value
    return data


def _snapshot(profile):
    return sorted(
        LeverStatus.objects.filter(profile=profile).values_list(
            "lever__code", "status", "citation", "note", "version"
        )
    )


# --- seeing ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.STATE_ADMIN, *READERS])
def test_everyone_in_the_state_can_read_its_profile(client, two_states, nh_profile, role):
    client.force_login(two_states["NH"]["users"][role])
    response = client.get(_url("profile_detail", nh_profile))
    assert response.status_code == 200
    assert b"Credit flexibility" in response.content
    assert response.context["can_edit"] is (role == Role.STATE_ADMIN)


@pytest.mark.parametrize("role", [Role.STATE_ADMIN, *READERS])
@pytest.mark.parametrize("page", ["profile_detail", "profile_edit", "profile_history"])
def test_another_states_profile_is_not_found(client, two_states, vt_profile, role, page):
    client.force_login(two_states["NH"]["users"][role])
    assert client.get(_url(page, vt_profile)).status_code == 404


def test_the_list_shows_only_the_users_states(client, two_states, nh_profile, vt_profile):
    client.force_login(two_states["NH"]["users"][Role.TASK_FORCE])
    response = client.get(reverse("policies:profile_home"))
    shown = {summary.profile.pk for summary in response.context["summaries"]}
    assert shown == {nh_profile.pk}
    client.force_login(two_states["national"])
    response = client.get(reverse("policies:profile_home"))
    assert {s.profile.pk for s in response.context["summaries"]} == {nh_profile.pk, vt_profile.pk}


def test_the_profile_page_shows_the_stage_and_why(client, two_states, nh_profile):
    client.force_login(two_states["NH"]["users"][Role.TASK_FORCE])
    response = client.get(_url("profile_detail", nh_profile))
    working = response.context["detail"].working
    assert working.stage == "emerging"
    counts = working.count_by_key
    assert counts["engaged_any"] == 2
    assert counts["active_getting_started"] == 1
    developing = next(check for check in working.stages if check.code == "developing")
    assert not developing.met
    assert [(r.needed, r.have) for r in developing.requirements] == [(2, 1)]
    assert b"Policy stage: Emerging" in response.content


# --- editing -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["state_admin", "national"])
def test_a_state_or_national_administrator_saves_an_edit(client, two_states, nh_profile, who):
    user = (
        two_states["national"] if who == "national" else two_states["NH"]["users"][Role.STATE_ADMIN]
    )
    client.force_login(user)
    assert client.get(_url("profile_edit", nh_profile)).status_code == 200
    data = _form_data(
        nh_profile,
        innovation_zones={"status": "statewide", "citation": "  HB 1234\n(2023) "},
        task_force={"note": "Charter renewed for two years."},
    )
    response = client.post(_url("profile_edit", nh_profile), data)
    assert response.status_code == 302
    row = LeverStatus.objects.get(profile=nh_profile, lever__code="innovation_zones")
    assert (row.status, row.citation, row.version, row.updated_by) == (
        "statewide",
        "HB 1234 (2023)",
        2,
        user,
    )
    untouched = LeverStatus.objects.get(profile=nh_profile, lever__code="credit_flexibility")
    assert untouched.version == 1


@pytest.mark.parametrize("role", READERS)
def test_a_reader_may_not_edit_and_nothing_changes(client, two_states, nh_profile, role):
    client.force_login(two_states["NH"]["users"][role])
    before = _snapshot(nh_profile)
    assert client.get(_url("profile_edit", nh_profile)).status_code == 403
    data = _form_data(nh_profile, task_force={"status": "statewide", "citation": "SB 45"})
    assert client.post(_url("profile_edit", nh_profile), data).status_code == 403
    assert _snapshot(nh_profile) == before


def test_another_states_administrator_cannot_edit_and_nothing_changes(
    client, two_states, vt_profile
):
    client.force_login(two_states["NH"]["users"][Role.STATE_ADMIN])
    before = _snapshot(vt_profile)
    data = _form_data(vt_profile, task_force={"status": "statewide", "citation": "SB 45"})
    assert client.post(_url("profile_edit", vt_profile), data).status_code == 404
    assert _snapshot(vt_profile) == before


def test_an_anonymous_visitor_is_sent_to_sign_in(client, nh_profile):
    response = client.post(_url("profile_edit", nh_profile), {})
    assert response.status_code == 302
    assert reverse("login") in response.url


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"status": "repealed"}, "status", "“repealed” is not a status"),
        ({"status": ""}, "status", "Choose a status for"),
        ({"status": "enacted", "citation": ""}, "citation", "needs a citation"),
        ({"status": "statewide", "citation": "   "}, "citation", "needs a citation"),
        ({"citation": "see the statute"}, "citation", "letters and a number"),
        ({"citation": "<script>alert(1)</script>"}, "citation", "remove"),
        ({"citation": "javascript:alert(1)"}, "citation", "script or data link"),
        ({"citation": "www.education.nh.gov"}, "citation", "Add https://"),
        ({"note": "x" * 2001}, "note", "at most 2000 characters"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_changes(
    client, two_states, nh_profile, changes, field, message
):
    client.force_login(two_states["NH"]["users"][Role.STATE_ADMIN])
    before = _snapshot(nh_profile)
    data = _form_data(nh_profile, task_force=changes, pilots_grants={"note": "Valid change."})
    response = client.post(_url("profile_edit", nh_profile), data)
    assert response.status_code == 400
    form = next(f for f in response.context["forms"] if f.lever.code == "task_force")
    assert message in " ".join(form.errors[field])
    assert message.encode() in response.content or field == "status"
    assert b"Nothing was saved" in response.content
    assert _snapshot(nh_profile) == before


def test_an_edit_of_a_stale_page_is_refused_and_nothing_changes(client, two_states, nh_profile):
    admin = two_states["NH"]["users"][Role.STATE_ADMIN]
    client.force_login(admin)
    opened = _form_data(nh_profile)  # what the first editor's page holds
    # Meanwhile a second editor saves a change to the task force lever.
    other = _form_data(nh_profile, task_force={"status": "enacted", "citation": "SB 45"})
    assert client.post(_url("profile_edit", nh_profile), other).status_code == 302
    after_other = _snapshot(nh_profile)

    opened.update({"task_force-status": "statewide", "task_force-citation": "SB 46"})
    opened.update({"local_capacity-status": "exploring"})
    response = client.post(_url("profile_edit", nh_profile), opened)
    assert response.status_code == 409
    assert b"Nothing was saved" in response.content
    assert b"Saved meanwhile by" in response.content
    assert _snapshot(nh_profile) == after_other  # not even the non-conflicting lever

    # The page now carries the current version: saving again is a deliberate overwrite.
    data = {
        f"{form.prefix}-{name}": form[name].value()
        for form in response.context["forms"]
        for name in ("status", "citation", "note", "version")
    }
    assert client.post(_url("profile_edit", nh_profile), data).status_code == 302
    row = LeverStatus.objects.get(profile=nh_profile, lever__code="task_force")
    assert (row.status, row.citation, row.version) == ("statewide", "SB 46", 3)


def test_the_stage_is_stored_after_each_edit(client, two_states, nh_profile, framework):
    client.force_login(two_states["NH"]["users"][Role.STATE_ADMIN])
    edits = [
        {"pilots_grants": {"status": "enacted", "citation": "SB 45"}},
        {
            "multiple_pathways": {"status": "statewide", "citation": "https://example.gov/rule"},
            "proficiency_diplomas": {"status": "enacted", "citation": "RSA 193-C:3-a"},
            "assessment_redesign": {"status": "enacted", "citation": "RSA 193-C:3"},
        },
        {"credit_flexibility": {"status": "exploring"}},
    ]
    stages = []
    for changes in edits:
        response = client.post(_url("profile_edit", nh_profile), _form_data(nh_profile, **changes))
        assert response.status_code == 302
        nh_profile.refresh_from_db()
        statuses = dict(
            LeverStatus.objects.filter(profile=nh_profile).values_list("lever__code", "status")
        )
        assert nh_profile.stage == state_stage(framework.spec, statuses)
        stages.append(nh_profile.stage)
    assert stages == ["developing", "advanced", "developing"]


def test_history_keeps_every_change_with_who_made_it(client, two_states, nh_profile):
    admin = two_states["NH"]["users"][Role.STATE_ADMIN]
    client.force_login(admin)
    for citation in ("SB 45", "SB 46"):
        data = _form_data(nh_profile, pilots_grants={"status": "enacted", "citation": citation})
        client.post(_url("profile_edit", nh_profile), data)
    row = LeverStatus.objects.get(profile=nh_profile, lever__code="pilots_grants")
    history = list(row.history.order_by("history_date", "history_id"))
    assert [(h.status, h.citation, h.version) for h in history] == [
        ("none", "", 1),
        ("enacted", "SB 45", 2),
        ("enacted", "SB 46", 3),
    ]
    assert history[-1].history_user == admin

    client.force_login(two_states["NH"]["users"][Role.TASK_FORCE])
    response = client.get(_url("profile_history", nh_profile))
    assert response.status_code == 200
    first = response.context["page_obj"].object_list[0]
    assert first.lever_code == "pilots_grants"
    assert first.changes == ("Citation: “SB 45” → “SB 46”",)
    assert b"Status: None \xe2\x86\x92 Enacted" in response.content


def test_an_unchanged_save_writes_nothing(client, two_states, nh_profile):
    client.force_login(two_states["NH"]["users"][Role.STATE_ADMIN])
    before = _snapshot(nh_profile)
    count = LeverStatus.history.count()
    response = client.post(_url("profile_edit", nh_profile), _form_data(nh_profile), follow=True)
    assert b"No changes to save" in response.content
    assert _snapshot(nh_profile) == before
    assert LeverStatus.history.count() == count


# --- starting a profile ------------------------------------------------------------


def _new_cycle(two_states, framework):
    import datetime

    return CycleFactory(
        state=two_states["NH"]["state"],
        framework=framework,
        name="2027-28",
        starts_on=datetime.date(2027, 8, 1),
        ends_on=datetime.date(2028, 6, 30),
    )


def test_a_state_administrator_starts_a_profile_from_the_previous_one(
    client, two_states, nh_profile, framework
):
    cycle = _new_cycle(two_states, framework)
    admin = two_states["NH"]["users"][Role.STATE_ADMIN]
    client.force_login(admin)
    listing = client.get(reverse("policies:profile_home"))
    assert [c.pk for c in listing.context["startable"]] == [cycle.pk]
    assert b"Start the State NH profile for 2027-28" in listing.content
    url = reverse("policies:profile_start", args=["NH", cycle.pk])
    response = client.post(url)
    profile = StatePolicyProfile.objects.get(state=two_states["NH"]["state"], cycle=cycle)
    assert response.url == _url("profile_edit", profile)
    copied = {code: (s, c) for code, s, c, _, _ in _snapshot(profile)}
    assert copied["credit_flexibility"] == ("enacted", "RSA 193-C:3")
    assert copied["task_force"] == ("exploring", "")
    assert len(copied) == 9
    assert profile.stage == "emerging"
    assert LeverStatus.history.filter(profile_id=profile.pk).count() == 9
    # Starting it again changes nothing.
    client.post(url)
    assert StatePolicyProfile.objects.filter(cycle=cycle).count() == 1


@pytest.mark.parametrize("role", READERS)
def test_a_reader_cannot_start_a_profile(client, two_states, framework, role):
    cycle = _new_cycle(two_states, framework)
    client.force_login(two_states["NH"]["users"][role])
    assert not client.get(reverse("policies:profile_home")).context["startable"]
    response = client.post(reverse("policies:profile_start", args=["NH", cycle.pk]))
    assert response.status_code == 403
    assert not StatePolicyProfile.objects.filter(cycle=cycle).exists()


def test_an_administrator_cannot_start_another_states_profile(client, two_states):
    client.force_login(two_states["NH"]["users"][Role.STATE_ADMIN])
    cycle = two_states["VT"]["cycle"]
    response = client.post(reverse("policies:profile_start", args=["VT", cycle.pk]))
    assert response.status_code == 404
    assert not StatePolicyProfile.objects.filter(cycle=cycle).exists()


def test_starting_needs_a_post(client, two_states):
    client.force_login(two_states["NH"]["users"][Role.STATE_ADMIN])
    cycle = two_states["NH"]["cycle"]
    response = client.get(reverse("policies:profile_start", args=["NH", cycle.pk]))
    assert response.status_code == 405


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_pages_run_the_same_number_of_queries_with_more_profiles_and_history(
    client, two_states, nh_profile, vt_profile, framework
):
    import datetime

    from tests.factories import profile_create

    client.force_login(two_states["national"])
    home = reverse("policies:profile_home")
    few = (_queries(client, home), _queries(client, _url("profile_detail", nh_profile)))
    for year in range(2030, 2036):
        for code in ("NH", "VT"):
            cycle = CycleFactory(
                state=two_states[code]["state"],
                framework=framework,
                name=f"{year}-{year - 1999}",
                starts_on=datetime.date(year, 8, 1),
                ends_on=datetime.date(year + 1, 6, 30),
                is_open=False,
            )
            profile_create(state=cycle.state, cycle=cycle, statuses={"task_force": "exploring"})
    client.force_login(two_states["NH"]["users"][Role.STATE_ADMIN])
    for n in range(5):
        data = _form_data(nh_profile, task_force={"note": f"Change {n}"})
        assert client.post(_url("profile_edit", nh_profile), data).status_code == 302
    client.force_login(two_states["national"])
    many = (_queries(client, home), _queries(client, _url("profile_detail", nh_profile)))
    assert many == few
