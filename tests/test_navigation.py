import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from access import selectors
from accounts.models import Role
from cbe_portal.context_processors import NAVIGATION, navigation


def _labels(user):
    request = RequestFactory().get("/leas/")
    request.user = user
    return [item["label"] for item in navigation(request)["nav_items"]]


@pytest.mark.parametrize(
    ("role", "present", "absent"),
    [
        (Role.STATE_STAFF, {"My LEAs", "State policy", "Dashboards"}, {"Import LEAs", "Cycles"}),
        (
            Role.STATE_ADMIN,
            {"State policy", "Import LEAs", "Dashboards", "Cycles"},
            {"My district", "My results"},
        ),
        (Role.TASK_FORCE, {"State policy", "Dashboards"}, {"Import LEAs", "Cycles"}),
        (
            Role.DISTRICT_LEADER,
            {"My district", "My results", "State policy"},
            {"Dashboards", "My LEAs", "Cycles"},
        ),
    ],
)
def test_each_role_is_offered_the_pages_it_may_use(two_states, role, present, absent):
    labels = set(_labels(two_states["NH"]["users"][role]))
    assert present <= labels
    assert not absent & labels


def test_the_current_section_is_marked_active(two_states):
    request = RequestFactory().get("/leas/123/")
    request.user = two_states["NH"]["users"][Role.STATE_STAFF]
    active = [item["label"] for item in navigation(request)["nav_items"] if item["active"]]
    assert active == ["My LEAs"]


def test_every_navigation_entry_names_a_section_the_selectors_decide():
    assert {section for _, _, section in NAVIGATION} == set(selectors.SECTION_ROLES)


@pytest.mark.parametrize("role", list(Role))
def test_the_navigation_asks_the_selectors_who_sees_a_section(two_states, monkeypatch, role):
    """Change the rule in the selectors and the menu follows: no role set of its own
    hides in the context processor."""
    user = (
        two_states["national"] if role == Role.NATIONAL_ADMIN else two_states["NH"]["users"][role]
    )
    for _, _, section in NAVIGATION:
        monkeypatch.setitem(selectors.SECTION_ROLES, section, frozenset({role}))
    assert _labels(user) == [label for label, _, _ in NAVIGATION]
    for _, _, section in NAVIGATION:
        monkeypatch.setitem(selectors.SECTION_ROLES, section, frozenset())
    assert _labels(user) == []


@pytest.mark.parametrize(
    ("role", "page"),
    [
        (Role.NATIONAL_ADMIN, "readiness:lea_list"),
        (Role.STATE_ADMIN, "readiness:lea_list"),
        (Role.STATE_STAFF, "readiness:lea_list"),
        (Role.TASK_FORCE, "dashboards:home"),
        (Role.DISTRICT_LEADER, "readiness:my_district"),
    ],
)
def test_home_sends_each_role_to_the_page_it_uses_most(two_states, role, page):
    user = (
        two_states["national"] if role == Role.NATIONAL_ADMIN else two_states["NH"]["users"][role]
    )
    client = Client()
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse(page)


@pytest.mark.parametrize("role", list(Role))
def test_no_entry_leads_where_another_entry_or_home_already_leads(two_states, role):
    """Home only sends each role on to one of the entries, so it has none of its own."""
    user = (
        two_states["national"] if role == Role.NATIONAL_ADMIN else two_states["NH"]["users"][role]
    )
    request = RequestFactory().get("/")
    request.user = user
    urls = [item["url"] for item in navigation(request)["nav_items"]]
    assert len(urls) == len(set(urls))
    assert reverse("home") not in urls
    client = Client()
    client.force_login(user)
    assert client.get(reverse("home"))["Location"] in urls


def _reachable(client, start: str, steps: list[str]) -> str:
    """Follow links whose text is each of `steps` from the page at `start`."""
    import re

    url = start
    for text in steps:
        page = client.get(url, follow=True).content.decode()
        pattern = rf'href="([^"]+)"[^>]*>{re.escape(text)}'
        match = re.search(pattern, page)
        assert match, f"no link {text!r} on {url}"
        url = match.group(1).replace("&amp;", "&")
    return url


def test_a_state_administrator_reaches_cycle_set_up_and_workload_from_the_menu(two_states):
    client = Client()
    client.force_login(two_states["NH"]["users"][Role.STATE_ADMIN])
    cycles = next(i["url"] for i in _menu(client) if i["label"] == "Cycles")
    assert _reachable(client, cycles, ["Open a new cycle"]) == reverse("readiness:cycle_setup")
    workload = _reachable(client, cycles, ["Workload"])
    assert workload == reverse("readiness:cycle_workload", args=[two_states["NH"]["cycle"].pk])
    assert client.get(workload).status_code == 200


def test_a_district_leader_reaches_their_leas_results_from_the_menu(two_states):
    from assessments.models import Assessment

    place = two_states["NH"]
    Assessment.objects.create(lea=place["leas"][0], cycle=place["cycle"], stage="beginning")
    client = Client()
    client.force_login(place["users"][Role.DISTRICT_LEADER])
    results = next(i["url"] for i in _menu(client) if i["label"] == "My results")
    response = client.get(results, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse(
        "lea_results", args=[place["leas"][0].leaid, place["cycle"].pk]
    )


def _menu(client):
    return client.get(reverse("readiness:scoring_explained")).context["nav_items"]
