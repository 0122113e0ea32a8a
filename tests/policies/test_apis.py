"""The policy API returns the selectors' data, scoped like the pages."""

from accounts.models import Role
from assessments.models import Answer, Assessment
from frameworks.models import Indicator


def test_a_profile_is_served_to_its_state_and_hidden_from_others(client, two_states, nh_profile):
    url = f"/api/v1/policy-profiles/NH/{nh_profile.cycle_id}/"
    client.force_login(two_states["NH"]["users"][Role.DISTRICT_LEADER])
    data = client.get(url).json()
    assert (data["state"], data["stage"], len(data["levers"])) == ("NH", "emerging", 9)
    credit = next(lever for lever in data["levers"] if lever["code"] == "credit_flexibility")
    assert (credit["status"], credit["citation"], credit["active"]) == (
        "enacted",
        "RSA 193-C:3",
        True,
    )
    client.force_login(two_states["VT"]["users"][Role.STATE_ADMIN])
    assert client.get(url).status_code == 404


def test_an_leas_alignment_is_served_to_its_district_leader_only(
    client, two_states, nh_profile, framework
):
    nh = two_states["NH"]
    lea = nh["leas"][0]
    assessment = Assessment.objects.create(lea=lea, cycle=nh["cycle"])
    indicator = Indicator.objects.filter(framework=framework, levers__code="credit_flexibility")[0]
    Answer.objects.create(assessment=assessment, indicator=indicator, rating=1, evidence="none")
    url = f"/api/v1/leas/{lea.leaid}/cycles/{nh['cycle'].pk}/alignment/"
    client.force_login(nh["users"][Role.DISTRICT_LEADER])
    data = client.get(url).json()
    assert data["profile_recorded"] is True
    assert [(g["indicator_code"], g["state"]) for g in data["gaps"]] == [(indicator.code, "opened")]
    assert "credit_flexibility" in [lever["code"] for lever in data["gaps"][0]["levers"]]
    other = nh["leas"][1]
    Assessment.objects.create(lea=other, cycle=nh["cycle"])
    other_url = f"/api/v1/leas/{other.leaid}/cycles/{nh['cycle'].pk}/alignment/"
    assert client.get(other_url).status_code == 404
    client.force_login(two_states["VT"]["users"][Role.TASK_FORCE])
    assert client.get(url).status_code == 404
