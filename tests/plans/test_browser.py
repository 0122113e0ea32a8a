"""Improvement plans in a real browser (Debian's Chromium): a district leader builds a
plan from two gaps with tasks, a state staff member comments, the leader marks a task
done with the keyboard alone; axe finds nothing on any plan page.

Screenshots go to $CBE_VAR_DIR/screenshots/ for a person to look at.
"""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from plans.models import CoachingComment, Plan, Task
from tests.browsing import axe_violations, shot, sign_in_with_session
from tests.plans.helpers import lea_with_gaps, opened_profile


def _follow(page, locator):
    with page.expect_navigation(wait_until="load"):
        locator.click()


def _no_axe_violations(page):
    count, report = axe_violations(page)
    assert count == 0, report


def _add_task(page, objective_pk: int, description: str, owner: str, start: str, due: str):
    prefix = f"#id_a{objective_pk}"
    page.locator(f"#objective-{objective_pk} summary", has_text="Add a task").click()
    page.fill(f"{prefix}-description", description)
    page.fill(f"{prefix}-owner_name", owner)
    page.fill(f"{prefix}-starts_on", start)
    page.fill(f"{prefix}-due_on", due)
    _follow(page, page.locator(f"#objective-{objective_pk}").get_by_role("button", name="Add task"))


@pytest.mark.browser
def test_leader_builds_a_plan_staff_coach_and_a_task_is_done_by_keyboard(
    transactional_db, live_server, client, two_states, browser_page, framework
):
    nh = two_states["NH"]
    assessment, codes = lea_with_gaps(nh, framework)
    opened_profile(nh, framework)
    leader = nh["users"][Role.DISTRICT_LEADER]
    page = browser_page
    sign_in_with_session(page, client, live_server, leader)

    page.goto(
        live_server.url + reverse("lea_results", args=[assessment.lea.leaid, assessment.cycle_id])
    )
    _follow(page, page.get_by_role("link", name="Choose priorities and start a plan"))
    shot(page, "plan-priorities")
    _no_axe_violations(page)
    page.locator(f"label[for=priority-{codes[0]}]").click()
    page.locator(f"label[for=priority-{codes[1]}]").click()
    _follow(page, page.get_by_role("button", name="Save priorities"))

    plan = Plan.objects.get()
    plan_url = live_server.url + reverse("plans:plan", args=[plan.lea.leaid, plan.cycle_id])
    assert page.url.split("#")[0] == plan_url
    assert "2 objectives without tasks" in page.content()
    _no_axe_violations(page)

    first, second = plan.objectives.order_by("indicator__position")
    page.fill(f"#id_o{first.pk}-statement", "Every student has a working device at home")
    page.fill(f"#id_o{first.pk}-target_on", "2027-06-01")
    _follow(
        page, page.locator(f"#objective-{first.pk}").get_by_role("button", name="Save objective")
    )
    _add_task(
        page, first.pk, "Count devices in every school", "Pat Lee", "2026-09-01", "2026-10-15"
    )
    _add_task(page, second.pk, "Plan the coaching cycle", "Ana Ruiz", "2026-09-15", "2026-11-30")
    assert Task.objects.count() == 2
    assert "0 objectives without tasks" in page.content()
    shot(page, "plan-leader")
    _no_axe_violations(page)

    task = Task.objects.get(objective=first)
    _follow(page, page.get_by_role("link", name="Edit the task Count devices in every school"))
    shot(page, "plan-task-edit")
    _no_axe_violations(page)
    page.go_back()

    # State staff coach on the first objective.
    staff_page = page.context.browser.new_context(
        viewport={"width": 1280, "height": 900}
    ).new_page()
    # Another client: signing the staff member in must not end the leader's session.
    sign_in_with_session(staff_page, Client(), live_server, nh["users"][Role.STATE_STAFF])
    staff_page.goto(plan_url)
    staff_page.fill(f"#id_c{first.pk}-body", "Add the home hotspots to the count.")
    _follow(staff_page, staff_page.get_by_role("button", name=f"Post comment on {codes[0]}"))
    assert CoachingComment.objects.get().body == "Add the home hotspots to the count."
    shot(staff_page, "plan-staff")
    _no_axe_violations(staff_page)
    staff_page.goto(live_server.url + reverse("dashboards:state_plans", args=["NH", plan.cycle_id]))
    shot(staff_page, "plan-state-view")
    _no_axe_violations(staff_page)
    staff_page.context.close()

    # The leader sees the comment and marks the task done with the keyboard only.
    page.goto(plan_url)
    assert "Add the home hotspots to the count." in page.content()
    select_id = f"id_t{task.pk}-status"
    for _ in range(400):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == select_id:
            break
    else:
        raise AssertionError("the status menu was never reached with Tab")
    page.keyboard.press("Home")
    for _ in range(2):  # not started -> in progress -> done
        page.keyboard.press("ArrowDown")
    assert page.evaluate(f"document.getElementById('{select_id}').value") == "done"
    page.keyboard.press("Tab")
    assert "Update status" in page.evaluate("document.activeElement.textContent")
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("Enter")
    task.refresh_from_db()
    assert task.status == Task.Status.DONE
    assert "50%" in page.content()
    shot(page, "plan-task-done")
    _no_axe_violations(page)
    assert not page.console_errors
