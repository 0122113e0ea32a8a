import pytest

from tests.factories import profile_create


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
