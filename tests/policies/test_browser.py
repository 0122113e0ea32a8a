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


@pytest.mark.browser
def test_participation_and_what_if_pages_work_with_a_keyboard(
    transactional_db, live_server, client, two_states, browser_page
):
    from playwright.sync_api import expect

    from assessments.models import Answer, Assessment
    from frameworks.models import Indicator

    nh = two_states["NH"]
    profile = profile_create(
        state=nh["state"],
        cycle=nh["cycle"],
        statuses={"task_force": "exploring", "credit_flexibility": ("enacted", "RSA 193-C:3")},
        user=nh["users"][Role.STATE_ADMIN],
    )
    indicators = list(Indicator.objects.filter(framework=profile.cycle.framework))
    for i, lea in enumerate(nh["leas"]):
        assessment = Assessment.objects.create(lea=lea, cycle=nh["cycle"])
        Answer.objects.bulk_create(
            Answer(assessment=assessment, indicator=ind, rating=(i + n) % 4 + 1)
            for n, ind in enumerate(indicators)
        )
    page = browser_page
    sign_in_with_session(page, client, live_server, nh["users"][Role.STATE_ADMIN])
    detail = live_server.url + reverse("policies:profile_detail", args=["NH", profile.cycle_id])
    page.goto(detail)
    _follow(page, page.get_by_role("link", name="Choose who takes part in Credit flexibility"))
    shot(page, "policy-participation")
    count, report = axe_violations(page)
    assert count == 0, report

    # Keyboard only: pick "only the LEAs chosen", filter the list, tick one LEA, save.
    first = nh["leas"][0]
    page.locator("#id_choose-participation_1").focus()
    page.keyboard.press("Space")
    page.locator("#lea-filter").focus()
    page.keyboard.type(first.leaid)
    expect(page.locator(".cbe-lea-choices .usa-checkbox:not([hidden])")).to_have_count(1)
    assert "1 of 2 LEAs shown" in page.locator("#lea-filter-status").inner_text()
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Save who takes part").press("Enter")
    assert page.url == detail
    assert "Saved: 1 LEA takes part in Credit flexibility." in page.content()
    assert "Reaches 1 chosen LEA of 2." in page.content()
    row = LeverStatus.objects.get(profile=profile, lever__code="credit_flexibility")
    assert list(row.participants.values_list("lea_id", flat=True)) == [first.pk]
    shot(page, "policy-profile-participation")
    count, report = axe_violations(page)
    assert count == 0, report

    _follow(page, page.get_by_role("link", name="What if? Try other statuses"))
    shot(page, "policy-what-if-today")
    count, report = axe_violations(page)
    assert count == 0, report
    page.get_by_label("Innovation zones", exact=True).select_option("statewide")
    page.get_by_label("If enacted, who takes part in Credit flexibility").select_option("all")
    _follow(page, page.get_by_role("button", name="Show what would follow"))
    assert "With the statuses below" in page.content()
    assert "Innovation zones (none → statewide, reaching every LEA)" in page.content()
    assert "Credit flexibility (enacted, reaching every LEA instead of 1 chosen LEA)" in (
        page.content()
    )
    shot(page, "policy-what-if")
    count, report = axe_violations(page)
    assert count == 0, report
    assert page.console_errors == []


@pytest.mark.browser
def test_the_results_page_names_each_gaps_kind_and_passes_axe(
    transactional_db, live_server, client, two_states, browser_page
):
    from assessments.models import Answer, Assessment
    from assessments.scores import assessment_list_rescore
    from frameworks.models import Indicator
    from policies.services import lever_participation_set

    nh = two_states["NH"]
    profile = profile_create(
        state=nh["state"],
        cycle=nh["cycle"],
        statuses={"task_force": "statewide", "credit_flexibility": "enacted"},
        user=nh["users"][Role.STATE_ADMIN],
    )
    row = LeverStatus.objects.get(profile=profile, lever__code="credit_flexibility")
    lever_participation_set(
        profile=profile,
        user=nh["users"][Role.STATE_ADMIN],
        lever="credit_flexibility",
        participation="listed",
        leaids=[nh["leas"][1].leaid],
        version=row.version,
    )
    lea = nh["leas"][0]
    assessment = Assessment.objects.create(lea=lea, cycle=nh["cycle"])
    Answer.objects.bulk_create(
        Answer(assessment=assessment, indicator=ind, rating=n % 4 + 1)
        for n, ind in enumerate(Indicator.objects.filter(framework=nh["cycle"].framework))
    )
    assessment_list_rescore(assessments=Assessment.objects.filter(pk=assessment.pk))
    page = browser_page
    sign_in_with_session(page, client, live_server, nh["users"][Role.DISTRICT_LEADER])
    page.goto(live_server.url + reverse("lea_results", args=[lea.leaid, nh["cycle"].pk]))
    content = page.content()
    for words in ("Opened", "Available to join", "Blocked", "in force for every LEA"):
        assert words in content, words
    assert "in force for some LEAs; this LEA does not take part" in content
    shot(page, "lea-results-gap-kinds")
    count, report = axe_violations(page)
    assert count == 0, report
