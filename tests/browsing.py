"""Shared pieces of the browser tests: Debian's Chromium through the playwright pip
package (never `playwright install`), screenshots for a person to look at, axe."""

import os
from pathlib import Path

from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def screenshots_dir() -> Path:
    folder = Path(os.environ.get("CBE_VAR_DIR", "var")) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shot(page, name: str) -> None:
    page.screenshot(path=str(screenshots_dir() / f"{name}.png"), full_page=True)


def axe_violations(page) -> tuple[int, str]:
    """(number of violations, readable report) from axe-core run in the page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return results.violations_count, results.generate_report()


def sign_in_with_session(page, client, live_server, user) -> None:
    """Skip the login form: give the browser a session made by the test client."""
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )
