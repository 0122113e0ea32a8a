"""The lockout page and the access log page in a real browser: axe finds nothing, and
the log's filters work from the keyboard."""

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import Role
from tests.browsing import axe_violations, shot, sign_in_with_session
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_lockout_page_and_the_access_log_pass_axe(live_server, new_context):
    locked = UserFactory(username="locked.out", role=Role.STATE_STAFF)
    page = new_context().new_page()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", locked.username)
        page.fill("#id_password", "not-the-password")
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Sign-in is paused for this account").wait_for()
    assert page.get_by_text("You can sign in again after").is_visible()
    shot(page, "lockout")
    count, report = axe_violations(page)
    assert count == 0, report

    admin_page = new_context().new_page()
    national = UserFactory(role=Role.NATIONAL_ADMIN)
    sign_in_with_session(admin_page, Client(), live_server, national)
    admin_page.goto(f"{live_server.url}/access-log/")
    assert admin_page.locator("tbody").get_by_text("Sign-in refused: account locked").is_visible()
    count, report = axe_violations(admin_page)
    assert count == 0, report

    # Filter by keyboard alone: into the user name field, type, Enter submits.
    admin_page.get_by_label("User name").focus()
    admin_page.keyboard.type("locked.out")
    admin_page.keyboard.press("Enter")
    admin_page.wait_for_url("**/access-log/?username=locked.out*")
    rows = admin_page.locator("tbody tr")
    assert rows.count() == settings.AXES_FAILURE_LIMIT
    shot(admin_page, "access-log")

    admin_page.goto(f"{live_server.url}/access-log/?since=not-a-day")
    assert admin_page.get_by_text("Enter the first day as a date").is_visible()
    count, report = axe_violations(admin_page)
    assert count == 0, report
