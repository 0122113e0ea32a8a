"""The policy pages in a real browser: they render, pass axe, and the edit form works.

Screenshots go to $CBE_VAR_DIR/screenshots/ for a person to look at.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from policies.models import LeverStatus
from readiness.models import Role

from .conftest import profile_create

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser_page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's Chromium is not installed")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.console_errors = errors
        yield page
        context.close()
        browser.close()


def _sign_in(page, client, live_server, user):
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def _shot(page, name):
    folder = Path(os.environ.get("CBE_VAR_DIR", "var")) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _follow(page, locator):
    """Click a link or submit button and wait until the next page has loaded."""
    with page.expect_navigation(wait_until="load"):
        locator.click()


def _axe_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return results.violations_count, results.generate_report()


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
    _sign_in(page, client, live_server, nh["users"][Role.STATE_ADMIN])
    detail = live_server.url + reverse("policies:profile_detail", args=["NH", profile.cycle_id])

    page.goto(live_server.url + reverse("policies:profile_home"))
    _shot(page, "policy-home")
    count, report = _axe_violations(page)
    assert count == 0, report

    page.goto(detail)
    assert page.get_by_role("heading", level=1).inner_text().startswith("State NH state policy")
    assert "Policy stage: Developing" in page.content()
    _shot(page, "policy-profile")
    count, report = _axe_violations(page)
    assert count == 0, report

    _follow(page, page.get_by_role("link", name="Edit lever statuses"))
    _shot(page, "policy-edit")
    count, report = _axe_violations(page)
    assert count == 0, report

    # A bad citation is refused on the page, with the message next to the field.
    page.locator("label[for=id_innovation_zones-status_2]").click()
    page.locator("#id_innovation_zones-citation").fill("see the law")
    _follow(page, page.get_by_role("button", name="Save the profile"))
    assert "Nothing was saved" in page.content()
    assert "letters and a number" in page.content()
    _shot(page, "policy-edit-errors")
    count, report = _axe_violations(page)
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
    _shot(page, "policy-history")
    count, report = _axe_violations(page)
    assert count == 0, report

    # The refused save answers 400 on purpose; anything else in the console is a fault.
    assert [e for e in page.console_errors if "status of 400" not in e] == []
