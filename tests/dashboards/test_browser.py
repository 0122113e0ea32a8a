"""The dashboards in Debian's Chromium: no axe violations, no console errors, and a
table sorted in place (htmx swapping in the server's sorted table) matches the page the
server sends for the same address.

Screenshots go to $CBE_VAR_DIR/screenshots/ for a person to look at.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Role
from tests.browsing import axe_violations, shot, sign_in_with_session
from tests.factories import UserFactory


def _column(page, table: str, index: int) -> list[str]:
    return page.locator(f"#table-{table} tbody tr").evaluate_all(
        f"rows => rows.map(r => r.cells[{index}].textContent.trim())"
    )


@pytest.mark.browser
def test_state_dashboard_and_national_view_in_a_browser(
    transactional_db, live_server, client, make_world, browser_page
):
    world = make_world(code="NH", lea_count=140, seed="browser", with_answers=True)
    make_world(code="VT", lea_count=20, seed="browser-vt")
    page = browser_page
    sign_in_with_session(page, client, live_server, UserFactory(role=Role.NATIONAL_ADMIN))

    page.goto(live_server.url + reverse("dashboards:state", args=["NH", world.cycle.pk]))
    assert page.get_by_role("heading", level=1).inner_text() == "State NH: readiness dashboard"
    shot(page, "dashboard-state")
    count, report = axe_violations(page)
    assert count == 0, report

    # The page opens on its summary; its sections are closed until asked for. A key
    # figure opens its own section; the keyboard opens and closes one too.
    assert page.locator("#levers").is_hidden()
    page.get_by_role("link", name="LEAs with a gap blocked").click()
    expect(page.locator("#levers")).to_be_visible()
    assert page.locator("#chart-levers-title").count() == 1
    button = page.get_by_role("button", name="By locale")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#locales")).to_be_visible()
    assert button.get_attribute("aria-expanded") == "true"
    count, report = axe_violations(page)  # with sections open, their charts and tables
    assert count == 0, report
    page.set_viewport_size({"width": 375, "height": 800})
    shot(page, "dashboard-state-375")
    page.set_viewport_size({"width": 1280, "height": 800})

    # A header link swaps in the server's sorted table, keeps the address and the CSV
    # link in step, keeps the keyboard focus on the header and says what happened.
    header = page.locator("#sort-locales-median")
    header.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#table-locales th[aria-sort=descending]")).to_have_count(1)
    assert "sort=locales.-median" in page.url
    values = [float(v) for v in _column(page, "locales", 4) if v != "—"]
    assert values == sorted(values, reverse=True)
    csv_link = page.locator('a[data-export-for="locales"]').get_attribute("href")
    assert "sort=locales.-median" in csv_link
    assert page.evaluate("document.activeElement.id") == "sort-locales-median"
    assert (
        "sorted by Median overall score, descending"
        in page.locator("#dashboard-sort-status").inner_text()
    )
    header.click()
    expect(page.locator("#table-locales th[aria-sort=ascending]")).to_have_count(1)
    values = [float(v) for v in _column(page, "locales", 4) if v != "—"]
    assert values == sorted(values)
    count, report = axe_violations(page)  # the sorted header is shaded: its link must still read
    assert count == 0, report
    client_order = page.locator("#table-locales tbody th").all_inner_texts()
    page.goto(page.url)  # the same address, sorted by the server
    assert page.locator("#table-locales tbody th").all_inner_texts() == client_order

    # The heatmap sorted by a domain: its table opens, and the page still passes axe.
    url = reverse("dashboards:state", args=["NH", world.cycle.pk]) + "?sort=heatmap.-equity"
    page.goto(live_server.url + url)
    assert page.locator("#heatmap details").get_attribute("open") is not None
    shot(page, "dashboard-state-sorted")
    count, report = axe_violations(page)
    assert count == 0, report

    page.goto(live_server.url + reverse("dashboards:national"))
    assert page.get_by_role("heading", level=1).inner_text() == "National view"
    shot(page, "dashboard-national")
    # The lever table fits the page at 1280 px: no sideways scrolling.
    assert page.locator("#table-levers").evaluate(
        "t => t.parentElement.scrollWidth <= t.parentElement.clientWidth"
    )
    count, report = axe_violations(page)
    assert count == 0, report
    assert page.console_errors == []
