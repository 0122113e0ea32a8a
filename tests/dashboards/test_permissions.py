"""Who sees which dashboard: every role against its own state, another state, the national
view and the CSV exports. District leaders see no dashboard at all."""

import pytest
from django.urls import reverse

from accounts.models import Role

pytestmark = pytest.mark.django_db

STATE_ROLES = [Role.STATE_ADMIN, Role.STATE_STAFF, Role.TASK_FORCE]


def state_url(world, code):
    return reverse("dashboards:state", args=[code, world[code]["cycle"].pk])


def export_url(world, code, table="completion"):
    return reverse("dashboards:state_export", args=[code, world[code]["cycle"].pk, table])


def as_user(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", STATE_ROLES)
def test_state_roles_see_their_own_states_dashboard(client, two_states, role):
    client = as_user(client, two_states["NH"]["users"][role])
    assert client.get(state_url(two_states, "NH")).status_code == 200
    assert client.get(export_url(two_states, "NH")).status_code == 200
    response = client.get(reverse("dashboards:state_latest", args=["nh"]))
    assert response.status_code == 302
    assert response["Location"] == state_url(two_states, "NH")


@pytest.mark.parametrize("role", STATE_ROLES)
def test_state_roles_are_sent_from_the_list_to_their_own_state(client, two_states, role):
    client = as_user(client, two_states["NH"]["users"][role])
    response = client.get(reverse("dashboards:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboards:state_latest", args=["NH"])


@pytest.mark.parametrize("role", STATE_ROLES)
def test_state_roles_never_see_another_states_dashboard(client, two_states, role):
    client = as_user(client, two_states["NH"]["users"][role])
    vt_cycle = two_states["VT"]["cycle"].pk
    assert client.get(state_url(two_states, "VT")).status_code == 404
    assert client.get(export_url(two_states, "VT")).status_code == 404
    assert client.get(reverse("dashboards:state_latest", args=["VT"])).status_code == 404
    # Nor another state's cycle under their own state's address.
    assert client.get(reverse("dashboards:state", args=["NH", vt_cycle])).status_code == 404
    url = reverse("dashboards:state_export", args=["NH", vt_cycle, "heatmap"])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("role", STATE_ROLES)
def test_state_roles_are_refused_the_national_view(client, two_states, role):
    client = as_user(client, two_states["NH"]["users"][role])
    assert client.get(reverse("dashboards:national")).status_code == 403
    export = reverse("dashboards:national_export", args=["levers"])
    assert client.get(export).status_code == 403


def test_district_leaders_see_no_dashboard_anywhere(client, two_states):
    client = as_user(client, two_states["NH"]["users"][Role.DISTRICT_LEADER])
    assert client.get(reverse("dashboards:home")).status_code == 403
    assert client.get(reverse("dashboards:state_latest", args=["NH"])).status_code == 403
    assert client.get(state_url(two_states, "NH")).status_code == 403
    for table in ("completion", "heatmap", "levers", "trend"):
        assert client.get(export_url(two_states, "NH", table)).status_code == 403
    assert client.get(state_url(two_states, "VT")).status_code == 404
    assert client.get(export_url(two_states, "VT")).status_code == 404
    assert client.get(reverse("dashboards:national")).status_code == 403
    export = reverse("dashboards:national_export", args=["states"])
    assert client.get(export).status_code == 403


def test_national_admins_see_every_state_and_the_national_view(client, two_states):
    client = as_user(client, two_states["national"])
    home = client.get(reverse("dashboards:home"))
    assert home.status_code == 200
    assert reverse("dashboards:national") in home.content.decode()
    for code in ("NH", "VT"):
        assert reverse("dashboards:state_latest", args=[code]) in home.content.decode()
        assert client.get(state_url(two_states, code)).status_code == 200
        assert client.get(export_url(two_states, code, "heatmap")).status_code == 200
    assert client.get(reverse("dashboards:national")).status_code == 200
    for table in ("levers", "states"):
        url = reverse("dashboards:national_export", args=[table])
        assert client.get(url).status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(client, two_states):
    for url in (
        reverse("dashboards:home"),
        state_url(two_states, "NH"),
        export_url(two_states, "NH"),
        reverse("dashboards:national"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_an_unknown_table_or_state_is_not_found(client, two_states):
    client = as_user(client, two_states["national"])
    assert client.get(export_url(two_states, "NH", "secrets")).status_code == 404
    assert client.get(reverse("dashboards:state_latest", args=["ZZ"])).status_code == 404
    url = reverse("dashboards:national_export", args=["secrets"])
    assert client.get(url).status_code == 404


def test_a_state_without_cycles_says_so(client, two_states):
    from tests.factories import StateFactory

    StateFactory(code="ME", name="Maine")
    client = as_user(client, two_states["national"])
    response = client.get(reverse("dashboards:state_latest", args=["ME"]))
    assert response.status_code == 200
    assert "no assessment cycle yet" in response.content.decode()
