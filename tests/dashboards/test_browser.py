"""The dashboards in Debian's Chromium: no axe violations, no console errors, and the
table sort enhancement agrees with the server's sort.

Screenshots go to $CBE_VAR_DIR/screenshots/ for a person to look at.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from readiness.models import Role
from tests.factories import UserFactory

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


def _axe(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return results.violations_count, results.generate_report()


def _column(page, table: str, index: int) -> list[str]:
    return page.locator(f"#table-{table} tbody tr").evaluate_all(
        f"rows => rows.map(r => r.cells[{index}].dataset.sortValue)"
    )


@pytest.mark.browser
def test_state_dashboard_and_national_view_in_a_browser(
    transactional_db, live_server, client, make_world, browser_page
):
    world = make_world(code="NH", lea_count=140, seed="browser", with_answers=True)
    make_world(code="VT", lea_count=20, seed="browser-vt")
    page = browser_page
    _sign_in(page, client, live_server, UserFactory(role=Role.NATIONAL_ADMIN))

    page.goto(live_server.url + reverse("dashboards:state", args=["NH", world.cycle.pk]))
    assert page.get_by_role("heading", level=1).inner_text() == "State NH: readiness dashboard"
    _shot(page, "dashboard-state")
    count, report = _axe(page)
    assert count == 0, report

    # The script sorts the locale table in place as the server would, and keeps the
    # address and the CSV link in step.
    header = page.locator("#table-locales thead th[data-column=median] a")
    header.click()
    assert "sort=locales.-median" in page.url
    values = [float(v) for v in _column(page, "locales", 4) if v]
    assert values == sorted(values, reverse=True)
    assert page.locator("#table-locales th[aria-sort=descending]").count() == 1
    csv_link = page.locator('a[data-export-for="locales"]').get_attribute("href")
    assert "sort=locales.-median" in csv_link
    header.click()
    values = [float(v) for v in _column(page, "locales", 4) if v]
    assert values == sorted(values)
    count, report = _axe(page)  # the sorted header is shaded: its link must still read
    assert count == 0, report
    client_order = page.locator("#table-locales tbody th").all_inner_texts()
    page.goto(page.url)  # the same address, sorted by the server
    assert page.locator("#table-locales tbody th").all_inner_texts() == client_order

    # The heatmap sorted by a domain: its table opens, and the page still passes axe.
    url = reverse("dashboards:state", args=["NH", world.cycle.pk]) + "?sort=heatmap.-equity"
    page.goto(live_server.url + url)
    assert page.locator("#heatmap details").get_attribute("open") is not None
    _shot(page, "dashboard-state-sorted")
    count, report = _axe(page)
    assert count == 0, report

    page.goto(live_server.url + reverse("dashboards:national"))
    assert page.get_by_role("heading", level=1).inner_text() == "National view"
    _shot(page, "dashboard-national")
    count, report = _axe(page)
    assert count == 0, report
    assert page.console_errors == []
