"""The district's view through /api/v1/: list and per-indicator read, a PUT with the
version rule (409 with both ratings on a stale write), bad input named by field, the lock
after acceptance, and who gets what."""

import pytest

from accounts.models import Role
from assessments.models import Assessment, DistrictRating

from .api import assert_error_shape, world_with_assessment


@pytest.fixture
def nh(two_states):
    return world_with_assessment(two_states)


def url(nh, code=None):
    base = f"/api/v1/assessments/{nh['assessment'].pk}/district-ratings/"
    return f"{base}{code}/" if code else base


def leader(nh):
    return nh["api"][Role.DISTRICT_LEADER]


def test_the_list_has_every_indicator_with_the_states_and_the_districts_rating(nh):
    leader(nh).put(url(nh, "BL-01"), {"level": 2, "note": "Old devices", "version": 0})
    body = nh["api"][Role.STATE_STAFF].get(url(nh)).json()
    rows = body["results"]
    assert len(rows) == body["count"] == len(nh["assessment"].cycle.framework.spec.indicators)
    first = rows[0]
    assert first["indicator"] == "BL-01" and first["state_rating"] is None
    assert first["district_rating"]["level"] == 2
    assert first["district_rating"]["note"] == "Old devices"
    assert first["district_rating"]["version"] == 1
    assert rows[1]["district_rating"] is None


def test_a_put_saves_and_a_later_put_names_the_version_it_started_from(nh):
    first = leader(nh).put(url(nh, "BL-01"), {"level": 2, "note": "", "version": 0})
    assert first.status_code == 200, first.content
    assert first.json()["district_rating"]["version"] == 1
    second = leader(nh).put(url(nh, "BL-01"), {"level": 4, "note": "Better now", "version": 1})
    assert second.status_code == 200
    assert second.json()["district_rating"]["level"] == 4
    got = leader(nh).get(url(nh, "BL-01")).json()
    assert got["district_rating"]["version"] == 2


def test_a_stale_put_is_a_409_with_both_versions_and_changes_nothing(nh):
    leader(nh).put(url(nh, "BL-01"), {"level": 2, "note": "first", "version": 0})
    leader(nh).put(url(nh, "BL-01"), {"level": 3, "note": "second", "version": 1})
    response = leader(nh).put(url(nh, "BL-01"), {"level": 1, "note": "old tab", "version": 1})
    assert response.status_code == 409
    body = assert_error_shape(response, 409)
    assert body["code"] == "district_rating_conflict"
    assert body["yours"] == {"level": 1, "note": "old tab", "version": 1}
    assert body["theirs"]["level"] == 3 and body["theirs"]["version"] == 2
    assert DistrictRating.objects.get().note == "second"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"level": 5, "note": "", "version": 0}, "level"),
        ({"level": "2", "note": "", "version": 0}, "level"),
        ({"level": None, "note": "", "version": 0}, "level"),
        ({"level": 2, "note": "x" * 4001, "version": 0}, "note"),
        ({"level": 2, "note": "", "version": -1}, "version"),
        ({"level": 2, "note": ""}, "version"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(nh, body, field):
    response = leader(nh).put(url(nh, "BL-01"), body)
    error = assert_error_shape(response, 400)
    assert field in error["fields"]
    assert not DistrictRating.objects.exists()


def test_an_unknown_indicator_is_a_404(nh):
    response = leader(nh).put(url(nh, "NOPE-1"), {"level": 2, "note": "", "version": 0})
    assert_error_shape(response, 404)


def test_an_accepted_assessment_refuses_the_put_as_locked(nh):
    Assessment.objects.filter(pk=nh["assessment"].pk).update(status=Assessment.Status.ACCEPTED)
    response = leader(nh).put(url(nh, "BL-01"), {"level": 2, "note": "", "version": 0})
    assert assert_error_shape(response, 409)["code"] == "locked"
    assert not DistrictRating.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [(Role.STATE_ADMIN, 403), (Role.STATE_STAFF, 403), ("national", 403), (Role.TASK_FORCE, 404)],
)
def test_only_the_districts_leader_may_put(nh, who, status):
    response = nh["api"][who].put(url(nh, "BL-01"), {"level": 2, "note": "", "version": 0})
    assert_error_shape(response, status)


def test_the_task_force_and_another_state_read_nothing(nh):
    assert nh["api"][Role.TASK_FORCE].get(url(nh)).status_code == 404
    assert nh["api"]["vt_admin"].get(url(nh)).status_code == 404
