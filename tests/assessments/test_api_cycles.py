"""The API of a running cycle: open, close, bulk assignments and workload."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Role
from assessments.models import Assessment, AssessmentCycle
from tests.factories import UserFactory


def _future(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


@pytest.fixture
def nh(two_states, client):
    place = two_states["NH"]
    place["admin"] = place["users"][Role.STATE_ADMIN]
    place["staff"] = place["users"][Role.STATE_STAFF]
    client.force_login(place["admin"])
    place["client"] = client
    return place


def _open(place, **extra):
    body = {
        "state": "nh",
        "name": "2027-28",
        "assessments_due_on": _future(10),
        "reviews_due_on": _future(20),
    }
    body.update(extra)
    return place["client"].post("/api/v1/cycles/", body, content_type="application/json")


def test_opening_a_cycle_answers_201_with_the_cycle_and_its_assessment_count(nh):
    response = _open(nh)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["assessments"] == 2
    assert body["cycle"]["assessments_due_on"] == _future(10)
    assert body["cycle"]["state"] == "NH" and body["cycle"]["is_open"] is True


def test_an_lea_list_with_bad_items_names_each_and_creates_nothing(nh, two_states):
    leas = [nh["leas"][0].leaid, two_states["VT"]["leas"][0].leaid, "9999999"]
    response = _open(nh, leas=leas)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert [m.split(":")[0] for m in body["fields"]["leas"]] == ["Line 2", "Line 3"]
    assert not AssessmentCycle.objects.filter(name="2027-28").exists()


def test_reviews_due_before_assessments_is_a_400_naming_the_field(nh):
    response = _open(nh, reviews_due_on=_future(5))
    assert response.status_code == 400
    assert "reviews_due_on" in response.json()["fields"]


def test_a_state_the_user_may_not_see_is_a_404_naming_the_field(nh):
    response = _open(nh, state="VT")
    assert response.status_code == 404 and "state" in response.json()["fields"]


def test_closing_then_closing_again_is_a_409(nh):
    url = f"/api/v1/cycles/{nh['cycle'].pk}/close/"
    first = nh["client"].post(url)
    assert first.status_code == 200 and first.json()["is_open"] is False
    assert first.json()["closed_at"]
    assert nh["client"].post(url).status_code == 409


def test_bulk_assignments_and_the_workload_they_make(nh):
    for lea in nh["leas"]:
        Assessment.objects.create(lea=lea, cycle=nh["cycle"])
    bea = UserFactory(role=Role.STATE_STAFF, state=nh["state"], username="bea")
    url = f"/api/v1/cycles/{nh['cycle'].pk}/assignments/"
    body = {
        "assignments": [
            {"lea": nh["leas"][0].leaid, "assignee": "bea"},
            {"lea": nh["leas"][1].leaid, "assignee": nh["staff"].username},
        ]
    }
    response = nh["client"].post(url, body, content_type="application/json")
    assert response.status_code == 200 and len(response.json()["changed"]) == 2
    workload = nh["client"].get(f"/api/v1/cycles/{nh['cycle'].pk}/workload/").json()
    by_name = {row["username"]: row for row in workload}
    assert by_name["bea"]["assigned"] == 1 and by_name[nh["staff"].username]["assigned"] == 1
    assert by_name[""]["user"] is None and by_name[""]["assigned"] == 0
    assert bea.assignments.count() == 1


def test_a_bad_assignment_item_is_named_and_nothing_is_assigned(nh):
    for lea in nh["leas"]:
        Assessment.objects.create(lea=lea, cycle=nh["cycle"])
    body = {
        "assignments": [
            {"lea": nh["leas"][0].leaid, "assignee": nh["staff"].username},
            {"lea": nh["leas"][1].leaid, "assignee": "nobody"},
        ]
    }
    url = f"/api/v1/cycles/{nh['cycle'].pk}/assignments/"
    response = nh["client"].post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["fields"]["assignments"][-1].startswith("Line 2: No user")
    assert not Assessment.objects.filter(assignee__isnull=False).exists()
