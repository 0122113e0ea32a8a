"""The cbe-v2 pages in a real browser: the how-scores-work page, a v2 policy profile with
its stage sentence and state actions, and the state-actions form. They render, pass axe,
and the form saves. Screenshots go to $CBE_VAR_DIR/screenshots/."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.browsing import axe_violations, shot, sign_in_with_session
from tests.factories import CycleFactory, profile_create


def _follow(page, locator):
    with page.expect_navigation(wait_until="load"):
        locator.click()


@pytest.mark.browser
def test_v2_pages_work_in_a_browser(
    transactional_db, live_server, client, two_states, framework_v2, browser_page
):
    nh = two_states["NH"]
    cycle = CycleFactory(
        state=nh["state"],
        framework=framework_v2,
        name="2027-28",
        starts_on=datetime.date(2027, 8, 1),
        ends_on=datetime.date(2028, 6, 30),
    )
    profile = profile_create(
        state=nh["state"],
        cycle=cycle,
        statuses={
            "task_force": ("enacted", "RSA 193-E:3-b"),
            "credit_flexibility": ("statewide", "https://www.education.nh.gov/"),
            "proficiency_diplomas": ("statewide", "RSA 193-C:3-a"),
            "local_capacity": ("enacted", "SB 45"),
        },
        user=nh["users"][Role.STATE_ADMIN],
    )
    page = browser_page
    sign_in_with_session(page, client, live_server, nh["users"][Role.STATE_ADMIN])

    page.goto(live_server.url + reverse("readiness:scoring_explained"))
    assert "version 2" in page.locator("p.usa-intro").inner_text()
    shot(page, "how-scores-work-v2")
    count, report = axe_violations(page)
    assert count == 0, report

    page.goto(live_server.url + reverse("policies:profile_detail", args=["NH", cycle.pk]))
    sentence = page.locator("[data-stage-sentence]").inner_text()
    assert sentence.startswith("Developing because credit flexibility is statewide")
    assert "1 of the 3" not in sentence and "2 of the 3" in sentence
    shot(page, "policy-profile-v2")
    count, report = axe_violations(page)
    assert count == 0, report

    _follow(page, page.get_by_role("link", name="Edit state actions"))
    shot(page, "policy-state-actions-edit")
    count, report = axe_violations(page)
    assert count == 0, report
    page.locator("label[for=id_needs_assessment-status_2]").click()
    page.locator("#id_needs_assessment-note").fill("Closed in March.")
    _follow(page, page.get_by_role("button", name="Save the state actions"))
    assert "Closed in March." in page.content()
    profile.refresh_from_db()
    assert profile.state_actions["needs_assessment"] == {
        "status": "done",
        "note": "Closed in March.",
    }
