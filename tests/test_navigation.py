import pytest
from django.test import RequestFactory

from accounts.models import Role
from cbe_portal.context_processors import navigation


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
