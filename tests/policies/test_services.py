"""Policy services called directly, as the API and the demo seeding do."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role
from policies.models import LeverStatus, StatePolicyProfile
from policies.services import (
    LeverEdit,
    StaleEdit,
    policy_profile_list_restage,
    policy_profile_restage,
    policy_profile_update,
)


def _edit(profile, lever, status, citation="", note=""):
    row = LeverStatus.objects.get(profile=profile, lever__code=lever)
    return LeverEdit(lever=lever, status=status, citation=citation, note=note, version=row.version)


@pytest.mark.parametrize("role", [Role.STATE_STAFF, Role.TASK_FORCE, Role.DISTRICT_LEADER])
def test_the_service_refuses_a_role_that_may_not_edit(two_states, nh_profile, role):
    edit = _edit(nh_profile, "task_force", "statewide", "SB 45")
    with pytest.raises(PermissionDenied):
        policy_profile_update(
            profile=nh_profile, user=two_states["NH"]["users"][role], edits=[edit]
        )
    assert LeverStatus.objects.get(profile=nh_profile, lever__code="task_force").version == 1


def test_the_service_refuses_another_states_administrator(two_states, vt_profile):
    edit = _edit(vt_profile, "task_force", "exploring")
    with pytest.raises(PermissionDenied):
        policy_profile_update(
            profile=vt_profile, user=two_states["NH"]["users"][Role.STATE_ADMIN], edits=[edit]
        )


def test_the_service_checks_the_same_rules_as_the_form(two_states, nh_profile):
    admin = two_states["NH"]["users"][Role.STATE_ADMIN]
    edits = [
        _edit(nh_profile, "task_force", "abolished"),
        _edit(nh_profile, "pilots_grants", "enacted", ""),
        _edit(nh_profile, "local_capacity", "exploring", "<i>SB 4</i>"),
        LeverEdit(lever="made_up", status="none", citation="", note="", version=1),
    ]
    with pytest.raises(ValidationError) as caught:
        policy_profile_update(profile=nh_profile, user=admin, edits=edits)
    assert set(caught.value.message_dict) == {
        "task_force-status",
        "pilots_grants-citation",
        "local_capacity-citation",
        "made_up-lever",
    }
    assert not LeverStatus.objects.filter(profile=nh_profile, version__gt=1).exists()


def test_a_stale_version_is_refused_and_the_whole_edit_undone(two_states, nh_profile):
    admin = two_states["NH"]["users"][Role.STATE_ADMIN]
    first = _edit(nh_profile, "task_force", "enacted", "SB 45")
    fresh = _edit(nh_profile, "local_capacity", "exploring")
    policy_profile_update(profile=nh_profile, user=admin, edits=[first])
    stale = LeverEdit(lever="task_force", status="none", citation="", note="", version=1)
    with pytest.raises(StaleEdit) as caught:
        policy_profile_update(profile=nh_profile, user=admin, edits=[fresh, stale])
    assert caught.value.levers == ["task_force"]
    rows = dict(LeverStatus.objects.filter(profile=nh_profile).values_list("lever__code", "status"))
    assert rows["task_force"] == "enacted"
    assert rows["local_capacity"] == "none"
    assert LeverStatus.history.filter(status="exploring", lever__code="local_capacity").count() == 0


def test_a_missing_lever_row_is_created_on_first_edit(two_states, framework):
    nh = two_states["NH"]
    profile = StatePolicyProfile.objects.create(state=nh["state"], cycle=nh["cycle"])
    edit = LeverEdit(lever="task_force", status="exploring", citation="", note="", version=0)
    changed = policy_profile_update(
        profile=profile, user=nh["users"][Role.STATE_ADMIN], edits=[edit]
    )
    assert changed == ["task_force"]
    row = LeverStatus.objects.get(profile=profile)
    assert (row.lever.code, row.status, row.version) == ("task_force", "exploring", 1)
    assert row.history.count() == 1
    profile.refresh_from_db()
    assert profile.stage == "emerging"
    # A second editor who also saw no row is refused.
    with pytest.raises(StaleEdit):
        policy_profile_update(
            profile=profile,
            user=nh["users"][Role.STATE_ADMIN],
            edits=[LeverEdit(lever="task_force", status="none", citation="", note="x", version=0)],
        )


def test_restage_stores_the_stage_the_rule_gives(two_states, nh_profile):
    StatePolicyProfile.objects.filter(pk=nh_profile.pk).update(stage="")
    nh_profile.refresh_from_db()
    assert policy_profile_restage(profile=nh_profile) == "emerging"
    nh_profile.refresh_from_db()
    assert nh_profile.stage == "emerging"


def test_restaging_many_profiles_reports_and_fixes_the_differences(
    two_states, nh_profile, vt_profile, django_assert_num_queries
):
    StatePolicyProfile.objects.update(stage="advanced")
    profiles = StatePolicyProfile.objects.all()
    with django_assert_num_queries(3):
        found = policy_profile_list_restage(profiles=profiles, check_only=True)
    assert {(p.pk, old, new) for p, old, new in found} == {
        (nh_profile.pk, "advanced", "emerging"),
        (vt_profile.pk, "advanced", "no_policy"),
    }
    assert set(StatePolicyProfile.objects.values_list("stage", flat=True)) == {"advanced"}
    policy_profile_list_restage(profiles=profiles)
    assert dict(StatePolicyProfile.objects.values_list("pk", "stage")) == {
        nh_profile.pk: "emerging",
        vt_profile.pk: "no_policy",
    }
    assert policy_profile_list_restage(profiles=profiles) == []
