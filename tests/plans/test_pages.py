"""Plan pages: a district leader chooses priorities and builds the plan, state staff
coach and review; refusals name the field and store nothing; stale edits show both
versions."""

import pytest

from accounts.models import Role
from plans.models import CoachingComment, Plan, Task
from tests.plans.helpers import lea_with_gaps, plan_with_task


@pytest.fixture
def nh(two_states):
    return two_states["NH"]


def _base(plan):
    return f"/leas/{plan.lea.leaid}/plan/{plan.cycle_id}/"


def test_results_page_offers_the_leader_to_choose_priorities(client, nh, framework):
    assessment, codes = lea_with_gaps(nh, framework)
    client.force_login(nh["users"][Role.DISTRICT_LEADER])
    page = client.get(f"/leas/{assessment.lea.leaid}/results/{assessment.cycle_id}/")
    assert "Choose priorities and start a plan" in page.content.decode()


def test_leader_chooses_two_priorities_and_lands_on_the_plan(client, nh, framework):
    assessment, codes = lea_with_gaps(nh, framework)
    client.force_login(nh["users"][Role.DISTRICT_LEADER])
    url = f"/leas/{assessment.lea.leaid}/plan/{assessment.cycle_id}/priorities/"
    page = client.get(url)
    assert page.status_code == 200
    assert "suggested order" in page.content.decode()
    response = client.post(url, {"priorities": codes[:2]})
    plan = Plan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _base(plan)
    page = client.get(_base(plan))
    assert page.status_code == 200
    html = page.content.decode()
    assert codes[0] in html and codes[1] in html
    assert "2 objectives without tasks" in html


def test_a_strength_posted_as_priority_is_refused_and_nothing_is_stored(client, nh, framework):
    assessment, codes = lea_with_gaps(nh, framework)
    client.force_login(nh["users"][Role.DISTRICT_LEADER])
    url = f"/leas/{assessment.lea.leaid}/plan/{assessment.cycle_id}/priorities/"
    response = client.post(url, {"priorities": [codes[0], codes[4]]})
    assert response.status_code == 400
    assert not Plan.objects.exists()


def test_leader_adds_a_task_and_a_due_date_before_the_start_is_refused(client, nh, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    client.force_login(leader)
    prefix = f"a{objective.pk}"
    data = {
        f"{prefix}-description": "Train coaches",
        f"{prefix}-owner_name": "Ana Ruiz",
        f"{prefix}-starts_on": "2026-10-10",
        f"{prefix}-due_on": "2026-10-01",
        f"{prefix}-status": "not_started",
    }
    response = client.post(f"{_base(plan)}objectives/{objective.pk}/tasks/", data)
    assert response.status_code == 400
    assert "is before the start date" in response.content.decode()
    assert Task.objects.count() == 1
    data[f"{prefix}-due_on"] = "2026-11-01"
    response = client.post(f"{_base(plan)}objectives/{objective.pk}/tasks/", data)
    assert response.status_code == 302
    assert Task.objects.count() == 2


def test_a_task_without_owner_is_refused_on_the_page(client, nh, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    client.force_login(leader)
    prefix = f"a{objective.pk}"
    response = client.post(
        f"{_base(plan)}objectives/{objective.pk}/tasks/",
        {
            f"{prefix}-description": "Train coaches",
            f"{prefix}-owner_name": "",
            f"{prefix}-starts_on": "2026-10-01",
            f"{prefix}-due_on": "2026-11-01",
            f"{prefix}-status": "not_started",
        },
    )
    assert response.status_code == 400
    assert "Name the person responsible" in response.content.decode()
    assert Task.objects.count() == 1


def test_leader_marks_a_task_done_and_the_plan_shows_it(client, nh, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    client.force_login(leader)
    response = client.post(
        f"{_base(plan)}tasks/{task.pk}/status/",
        {f"t{task.pk}-status": "done", f"t{task.pk}-version": "1"},
    )
    assert response.status_code == 302
    assert Task.objects.get().status == "done"
    assert "100%" in client.get(_base(plan)).content.decode()


def test_a_stale_status_change_is_a_409_showing_both_versions(client, nh, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    client.force_login(leader)
    url = f"{_base(plan)}tasks/{task.pk}/status/"
    client.post(url, {f"t{task.pk}-status": "in_progress", f"t{task.pk}-version": "1"})
    response = client.post(url, {f"t{task.pk}-status": "stuck", f"t{task.pk}-version": "1"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Changed by someone else" in html
    assert "in_progress" in html and "stuck" in html
    assert Task.objects.get().status == "in_progress"


def test_state_staff_comments_and_reviews_a_submitted_plan(client, nh, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    client.force_login(leader)
    assert client.post(f"{_base(plan)}submit/", {"version": "1"}).status_code == 302
    staff = nh["users"][Role.STATE_STAFF]
    client.force_login(staff)
    page = client.get(_base(plan)).content.decode()
    assert "Mark the plan reviewed" in page and "Add a task" not in page
    response = client.post(
        f"{_base(plan)}objectives/{objective.pk}/comments/",
        {f"c{objective.pk}-body": "Add a date for the survey."},
    )
    assert response.status_code == 302
    assert CoachingComment.objects.get().author == staff
    assert client.post(f"{_base(plan)}review/", {"version": "2"}).status_code == 302
    assert Plan.objects.get().status == "reviewed"


def test_leader_cannot_post_a_coaching_comment(client, nh, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    client.force_login(leader)
    response = client.post(
        f"{_base(plan)}objectives/{objective.pk}/comments/", {f"c{objective.pk}-body": "Me"}
    )
    assert response.status_code == 403
    assert not CoachingComment.objects.exists()


def test_leader_edits_a_task_on_its_own_page(client, nh, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    client.force_login(leader)
    url = f"{_base(plan)}tasks/{task.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "description": "Map devices in every school",
            "owner_name": "Pat Lee",
            "owner_user": str(leader.pk),
            "starts_on": "2026-09-01",
            "due_on": "2026-12-01",
            "status": "in_progress",
            "version": "1",
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.description, task.owner_user, task.version) == (
        "Map devices in every school",
        leader,
        2,
    )


def test_objective_and_progress_note_are_saved_from_the_plan_page(client, nh, framework):
    leader = nh["users"][Role.DISTRICT_LEADER]
    plan, objective, task, codes = plan_with_task(nh, framework, leader)
    client.force_login(leader)
    response = client.post(
        f"{_base(plan)}objectives/{objective.pk}/",
        {
            f"o{objective.pk}-statement": "Every student has a device",
            f"o{objective.pk}-target_on": "2027-06-01",
            f"o{objective.pk}-version": "1",
        },
    )
    assert response.status_code == 302
    response = client.post(
        f"{_base(plan)}tasks/{task.pk}/notes/",
        {f"n{task.pk}-body": "Inventory started", f"n{task.pk}-evidence": "shared drive"},
    )
    assert response.status_code == 302
    html = client.get(_base(plan)).content.decode()
    assert "Every student has a device" in html and "Inventory started" in html
