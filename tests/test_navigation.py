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
        (Role.STATE_STAFF, {"My LEAs", "State policy", "Dashboards"}, {"Import LEAs"}),
        (Role.STATE_ADMIN, {"State policy", "Import LEAs", "Dashboards"}, {"My district"}),
        (Role.TASK_FORCE, {"State policy", "Dashboards"}, {"Import LEAs"}),
        (Role.DISTRICT_LEADER, {"My district", "State policy"}, {"Dashboards", "My LEAs"}),
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
