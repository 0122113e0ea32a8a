"""Browser tests: Debian's Chromium driven by the playwright pip package against
pytest-django's live_server. Never `playwright install`; the system browser is used."""

import contextlib
import os
from pathlib import Path

import pytest

from tests.browsing import CHROMIUM, CHROMIUM_ARGS, screenshots_dir

SCREENSHOTS = screenshots_dir()


# Module scope: other test modules start playwright of their own, which cannot run
# while this one is still running.
@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module", autouse=True)
def _orm_beside_playwright():
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    # (and pytest-django's database set-up) make between browser steps are ordinary
    # blocking calls, so Django's async guard is lifted for these modules only.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if before is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture
def new_context(browser):
    """Make fresh browser contexts (no shared cookies: a new sitting); all closed after."""
    contexts = []

    def make(**kwargs):
        kwargs.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(**kwargs)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        with contextlib.suppress(Exception):  # already closed by the test
            context.close()


def sign_in(page, base_url: str, user, password: str) -> None:
    """Through the login page, as a person would."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
