"""The policy pages in a real browser: they render, pass axe, and the edit form works.

Screenshots go to $CBE_VAR_DIR/screenshots/ for a person to look at.
"""

import pytest
from django.urls import reverse

from accounts.models import Role
from policies.models import LeverStatus
from tests.browsing import axe_violations, shot, sign_in_with_session
from tests.factories import profile_create


def _follow(page, locator):
    """Click a link or submit button and wait until the next page has loaded."""
    with page.expect_navigation(wait_until="load"):
        locator.click()


@pytest.mark.browser
def test_profile_and_edit_pages_work_in_a_browser(
    transactional_db, live_server, client, two_states, browser_page
):
    nh = two_states["NH"]
    profile = profile_create(
        state=nh["state"],
        cycle=nh["cycle"],
        statuses={
            "task_force": ("enacted", "RSA 193-E:3-b"),
            "credit_flexibility": ("statewide", "https://www.education.nh.gov/"),
            "pilots_grants": ("enacted", "SB 45"),
            "proficiency_diplomas": "exploring",
        },
        user=nh["users"][Role.STATE_ADMIN],
    )
    page = browser_page
    sign_in_with_session(page, client, live_server, nh["users"][Role.STATE_ADMIN])
    detail = live_server.url + reverse("policies:profile_detail", args=["NH", profile.cycle_id])

    page.goto(live_server.url + reverse("policies:profile_home"))
    shot(page, "policy-home")
    count, report = axe_violations(page)
    assert count == 0, report

    page.goto(detail)
    assert page.get_by_role("heading", level=1).inner_text().startswith("State NH state policy")
    assert "Policy stage: Developing" in page.content()
    shot(page, "policy-profile")
    count, report = axe_violations(page)
    assert count == 0, report

    _follow(page, page.get_by_role("link", name="Edit lever statuses"))
    shot(page, "policy-edit")
    count, report = axe_violations(page)
    assert count == 0, report

    # A bad citation is refused on the page, with the message next to the field.
    page.locator("label[for=id_innovation_zones-status_2]").click()
    page.locator("#id_innovation_zones-citation").fill("see the law")
    _follow(page, page.get_by_role("button", name="Save the profile"))
    assert "Nothing was saved" in page.content()
    assert "letters and a number" in page.content()
    shot(page, "policy-edit-errors")
    count, report = axe_violations(page)
    assert count == 0, report

    page.locator("#id_innovation_zones-citation").fill("HB 1234 (2023)")
    _follow(page, page.get_by_role("button", name="Save the profile"))
    assert page.url == detail
    assert "Saved changes to Innovation zones" in page.content()
    assert (
        LeverStatus.objects.get(profile=profile, lever__code="innovation_zones").status == "enacted"
    )
    _follow(page, page.get_by_role("link", name="Full change history"))
    assert "Status: None → Enacted" in page.content()
    shot(page, "policy-history")
    count, report = axe_violations(page)
    assert count == 0, report

    # The refused save answers 400 on purpose; anything else in the console is a fault.
    assert [e for e in page.console_errors if "status of 400" not in e] == []
