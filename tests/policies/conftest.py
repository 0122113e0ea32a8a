import pytest

from frameworks.models import Lever
from policies.models import LeverStatus, StatePolicyProfile


def profile_create(*, state, cycle, statuses: dict | None = None, user=None) -> StatePolicyProfile:
    """A profile with a status row for every lever; `statuses` maps lever code to
    (status, citation) or to a bare status."""
    statuses = statuses or {}
    profile = StatePolicyProfile.objects.create(state=state, cycle=cycle)
    for lever in Lever.objects.filter(framework_id=cycle.framework_id):
        value = statuses.get(lever.code, "none")
        status, citation = value if isinstance(value, tuple) else (value, "")
        if status in ("enacted", "statewide") and not citation:
            citation = "RSA 193-C:3"
        LeverStatus.objects.create(
            profile=profile, lever=lever, status=status, citation=citation, updated_by=user
        )
    return profile


@pytest.fixture
def nh_profile(two_states):
    nh = two_states["NH"]
    return profile_create(
        state=nh["state"],
        cycle=nh["cycle"],
        statuses={"task_force": "exploring", "credit_flexibility": ("enacted", "RSA 193-C:3")},
        user=nh["users"]["state_admin"],
    )


@pytest.fixture
def vt_profile(two_states):
    vt = two_states["VT"]
    return profile_create(state=vt["state"], cycle=vt["cycle"])
