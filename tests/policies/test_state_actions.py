"""State actions (cbe-v2's state-side duties): shown on the policy profile, recorded by the
state administrator as a status and a note each, checked against the framework."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role
from policies.models import StatePolicyProfile
from policies.selectors import policy_profile_state_actions
from policies.services import StateActionEdit, policy_profile_state_actions_update
from tests.factories import CycleFactory, profile_create


@pytest.fixture
def v2_profile(two_states, framework_v2):
    nh = two_states["NH"]
    cycle = CycleFactory(
        state=nh["state"],
        framework=framework_v2,
        name="2027-28",
        starts_on=datetime.date(2027, 8, 1),
        ends_on=datetime.date(2028, 6, 30),
    )
    return profile_create(state=nh["state"], cycle=cycle)


def _url(profile, page=""):
    return f"/policy/{profile.state.code}/{profile.cycle_id}/{page}"


@pytest.mark.django_db
def test_a_v2_profile_lists_each_state_action_as_not_started(client, two_states, v2_profile):
    client.force_login(two_states["NH"]["users"][Role.TASK_FORCE])
    body = client.get(_url(v2_profile)).content.decode()
    assert 'id="state-actions"' in body
    for action in v2_profile.cycle.framework.spec.state_actions.actions:
        assert action.name in body
    assert body.count('<td data-label="Status">Not started</td>') == 3
    assert "Edit state actions" not in body


@pytest.mark.django_db
def test_the_state_administrator_records_a_status_and_note(client, two_states, v2_profile):
    client.force_login(two_states["NH"]["users"][Role.STATE_ADMIN])
    assert client.get(_url(v2_profile, "state-actions/")).status_code == 200
    response = client.post(
        _url(v2_profile, "state-actions/"),
        {
            "needs_assessment-status": "done",
            "needs_assessment-note": "Survey of all districts closed in March.",
            "vision_partners-status": "under_way",
            "vision_partners-note": "",
            "planning_task_force-status": "not_started",
            "planning_task_force-note": "",
        },
    )
    assert response.status_code == 302
    v2_profile.refresh_from_db()
    assert v2_profile.state_actions == {
        "needs_assessment": {"status": "done", "note": "Survey of all districts closed in March."},
        "vision_partners": {"status": "under_way", "note": ""},
        "planning_task_force": {"status": "not_started", "note": ""},
    }
    rows = policy_profile_state_actions(profile=v2_profile)
    assert [(r.code, r.status_label) for r in rows] == [
        ("needs_assessment", "Done"),
        ("vision_partners", "Under way"),
        ("planning_task_force", "Not started"),
    ]
    body = client.get(_url(v2_profile)).content.decode()
    assert "Survey of all districts closed in March." in body


@pytest.mark.django_db
def test_an_unknown_status_is_refused_and_nothing_is_stored(client, two_states, v2_profile):
    client.force_login(two_states["NH"]["users"][Role.STATE_ADMIN])
    response = client.post(
        _url(v2_profile, "state-actions/"),
        {"needs_assessment-status": "abandoned", "vision_partners-status": "done"},
    )
    assert response.status_code == 400
    assert b"Nothing was saved" in response.content
    v2_profile.refresh_from_db()
    assert v2_profile.state_actions == {}


@pytest.mark.django_db
def test_the_service_names_unknown_actions_and_statuses(two_states, v2_profile):
    admin = two_states["NH"]["users"][Role.STATE_ADMIN]
    with pytest.raises(ValidationError) as caught:
        policy_profile_state_actions_update(
            profile=v2_profile,
            user=admin,
            edits=[
                StateActionEdit(action="moonshot", status="done", note=""),
                StateActionEdit(action="vision_partners", status="abandoned", note=""),
            ],
        )
    assert "moonshot" in str(caught.value) and "abandoned" in str(caught.value)
    assert StatePolicyProfile.objects.get(pk=v2_profile.pk).state_actions == {}


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.STATE_STAFF, Role.TASK_FORCE, Role.DISTRICT_LEADER])
def test_only_the_state_administrator_may_edit(client, two_states, v2_profile, role):
    user = two_states["NH"]["users"][role]
    client.force_login(user)
    assert client.get(_url(v2_profile, "state-actions/")).status_code in (403, 404)
    with pytest.raises(PermissionDenied):
        policy_profile_state_actions_update(
            profile=v2_profile,
            user=user,
            edits=[StateActionEdit(action="vision_partners", status="done", note="")],
        )


@pytest.mark.django_db
def test_another_states_administrator_gets_a_404(client, two_states, v2_profile):
    client.force_login(two_states["VT"]["users"][Role.STATE_ADMIN])
    assert client.get(_url(v2_profile, "state-actions/")).status_code == 404


@pytest.mark.django_db
def test_a_v1_profile_has_no_state_actions(client, two_states, nh_profile):
    client.force_login(two_states["NH"]["users"][Role.STATE_ADMIN])
    assert 'id="state-actions"' not in client.get(_url(nh_profile)).content.decode()
    assert client.get(_url(nh_profile, "state-actions/")).status_code == 404
    assert policy_profile_state_actions(profile=nh_profile) == []
