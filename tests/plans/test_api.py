"""The plans API: the same services and checks as the pages, the error shape of
cbe_portal.api, and 409 with both versions on a stale write."""

import json

import pytest

from accounts.models import Role
from plans.models import Plan, Task
from tests.plans.helpers import lea_with_gaps, plan_with_task


@pytest.fixture
def nh(two_states):
    return two_states["NH"]


def _send(client, method, url, body):
    return client.generic(method, url, json.dumps(body), content_type="application/json")


def _base(lea, cycle_id):
    return f"/api/v1/leas/{lea.leaid}/cycles/{cycle_id}/plan/"


def test_leader_builds_a_plan_through_the_api(client, nh, framework):
    assessment, codes = lea_with_gaps(nh, framework)
    client.force_login(nh["users"][Role.DISTRICT_LEADER])
    base = _base(assessment.lea, assessment.cycle_id)
    response = _send(client, "PUT", base + "priorities/", {"indicators": codes[:2]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [o["indicator"] for o in body["objectives"]] == codes[:2]
    objective = body["objectives"][0]
    response = _send(
        client,
        "POST",
        f"{base}objectives/{objective['id']}/tasks/",
        {
            "description": "Survey",
            "owner_name": "Jo",
            "starts_on": "2026-09-01",
            "due_on": "2026-10-01",
        },
    )
    assert response.status_code == 201, response.content
    task = response.json()
    assert task["status"] == "not_started" and task["version"] == 1
    response = _send(
        client, "POST", f"{base}tasks/{task['id']}/notes/", {"body": "Begun", "evidence": "doc"}
    )
    assert response.status_code == 201
    detail = client.get(base).json()
    assert detail["objectives"][0]["tasks"][0]["notes"][0]["body"] == "Begun"
    listed = client.get("/api/v1/plans/").json()
    assert listed["count"] == 1 and listed["results"][0]["lea"] == assessment.lea.leaid


def test_a_due_date_before_the_start_is_a_400_naming_the_field(client, nh, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    client.force_login(leader)
    response = _send(
        client,
        "POST",
        f"{_base(plan.lea, plan.cycle_id)}objectives/{objective.pk}/tasks/",
        {
            "description": "Survey",
            "owner_name": "Jo",
            "starts_on": "2026-10-01",
            "due_on": "2026-09-01",
        },
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and list(body["fields"]) == ["due_on"]
    assert Task.objects.count() == 1


def test_a_task_without_owner_is_a_400_naming_the_owner(client, nh, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    client.force_login(leader)
    response = _send(
        client,
        "POST",
        f"{_base(plan.lea, plan.cycle_id)}objectives/{objective.pk}/tasks/",
        {
            "description": "Survey",
            "owner_name": "",
            "starts_on": "2026-09-01",
            "due_on": "2026-09-02",
        },
    )
    assert response.status_code == 400
    assert "owner_name" in response.json()["fields"]


def test_a_priority_that_is_not_a_gap_is_a_400_and_nothing_is_stored(client, nh, framework):
    assessment, codes = lea_with_gaps(nh, framework)
    client.force_login(nh["users"][Role.DISTRICT_LEADER])
    response = _send(
        client,
        "PUT",
        _base(assessment.lea, assessment.cycle_id) + "priorities/",
        {"indicators": [codes[4]]},
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["priorities"]
    assert not Plan.objects.exists()


def test_a_stale_task_write_is_a_409_with_both_versions(client, nh, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    client.force_login(leader)
    url = f"{_base(plan.lea, plan.cycle_id)}tasks/{task.pk}/"
    body = {
        "description": "Map devices",
        "owner_name": "Pat Lee",
        "starts_on": "2026-09-01",
        "due_on": "2026-10-01",
        "status": "in_progress",
        "version": 1,
    }
    assert _send(client, "PUT", url, body).status_code == 200
    response = _send(client, "PUT", url, {**body, "status": "stuck"})
    assert response.status_code == 409
    conflict = response.json()
    assert conflict["code"] == "plan_conflict"
    assert conflict["theirs"]["status"] == "in_progress" and conflict["theirs"]["version"] == 2
    assert conflict["yours"]["status"] == "stuck" and conflict["yours"]["version"] == 1


def test_task_force_and_another_leas_leader_get_404_from_the_plan(client, nh, framework):
    from tests.factories import UserFactory

    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    other = UserFactory(role=Role.DISTRICT_LEADER, lea=nh["leas"][1], state=nh["state"])
    for user in (nh["users"][Role.TASK_FORCE], other):
        client.force_login(user)
        assert client.get(_base(plan.lea, plan.cycle_id)).status_code == 404
        response = _send(
            client,
            "PUT",
            f"{_base(plan.lea, plan.cycle_id)}tasks/{task.pk}/",
            {
                "description": "x",
                "owner_name": "y",
                "starts_on": "2026-09-01",
                "due_on": "2026-09-02",
                "status": "done",
                "version": 1,
            },
        )
        assert response.status_code == 404
    assert Task.objects.get().status == "not_started"


def test_state_staff_may_comment_but_not_edit_a_task(client, nh, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    client.force_login(nh["users"][Role.STATE_STAFF])
    base = _base(plan.lea, plan.cycle_id)
    assert (
        _send(
            client, "POST", f"{base}objectives/{objective.pk}/comments/", {"body": "Good"}
        ).status_code
        == 201
    )
    response = _send(
        client,
        "PUT",
        f"{base}tasks/{task.pk}/",
        {
            "description": "x",
            "owner_name": "y",
            "starts_on": "2026-09-01",
            "due_on": "2026-09-02",
            "status": "done",
            "version": 1,
        },
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"
