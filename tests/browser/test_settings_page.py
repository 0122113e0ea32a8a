"""The settings page in Chromium: reached from the header, a token created, replaced and
revoked with the keyboard alone, and no axe violation on any of its pages."""

import pytest
from rest_framework.authtoken.models import Token

from accounts.models import Role
from tests.browsing import axe_violations, shot
from tests.factories import DEMO_PASSWORD, StateFactory, UserFactory

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _focused(page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            return {tag: el.tagName, type: el.type || '', name: el.name || '',
                    text: (el.textContent || el.value || '').trim()};
        }"""
    )


def _tab_to(page, text: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _focused(page)["text"] == text:
            return
    raise AssertionError(f"{text!r} never reached by Tab; last focus {_focused(page)}")


def _no_violations(page, name: str) -> None:
    shot(page, f"settings-{name}")
    count, report = axe_violations(page)
    assert count == 0, f"{name}:\n{report}"


def test_a_token_is_created_replaced_and_revoked_by_keyboard(live_server, new_context):
    user = UserFactory(
        role=Role.STATE_ADMIN,
        state=StateFactory(code="NH", name="New Hampshire"),
        first_name="Grace",
        last_name="Hopper",
    )
    base = live_server.url
    page = new_context().new_page()
    sign_in(page, base, user, DEMO_PASSWORD)

    _tab_to(page, "Settings")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/accounts/settings/")
    page.get_by_text("You have no API token").wait_for()
    _no_violations(page, "no-token")

    _tab_to(page, "Create a token")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Your new API token").wait_for()
    key = Token.objects.get(user=user).key
    assert page.locator("#id_key").input_value() == key
    _no_violations(page, "token-shown")

    page.goto(f"{base}/accounts/settings/")
    page.get_by_text("You have an API token").wait_for()
    assert key not in page.content()
    _no_violations(page, "has-token")

    _tab_to(page, "Replace the token")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Replace your API token?").wait_for()
    _no_violations(page, "replace-question")
    _tab_to(page, "Replace the token")  # the button, without ticking the box first
    page.keyboard.press("Enter")
    page.get_by_text("Tick the box to confirm").wait_for()
    assert page.title().startswith("Error:")
    _no_violations(page, "replace-refused")
    page.focus("#id_confirm")
    page.keyboard.press("Space")
    _tab_to(page, "Replace the token")
    page.keyboard.press("Enter")
    page.get_by_text("previous token no longer works").wait_for()
    assert Token.objects.get(user=user).key != key

    page.goto(f"{base}/accounts/settings/")
    _tab_to(page, "Revoke the token")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Revoke your API token?").wait_for()
    _no_violations(page, "revoke-question")
    page.focus("#id_confirm")
    page.keyboard.press("Space")
    _tab_to(page, "Revoke the token")
    page.keyboard.press("Enter")
    page.get_by_text("Your API token is revoked").wait_for()
    assert not Token.objects.filter(user=user).exists()
    _no_violations(page, "revoked")


def test_an_email_kind_is_turned_off_by_keyboard(live_server, new_context):
    user = UserFactory(
        role=Role.STATE_STAFF,
        state=StateFactory(code="NH", name="New Hampshire"),
        email="ada@nh.example.gov",
    )
    base = live_server.url
    page = new_context().new_page()
    sign_in(page, base, user, DEMO_PASSWORD)
    page.goto(f"{base}/accounts/settings/")
    page.get_by_role("heading", name="Emails").wait_for()
    _no_violations(page, "email-choices")

    _tab_to(page, "overdue")  # the checkbox of overdue reminders (its value)
    page.keyboard.press("Space")
    _tab_to(page, "Save email choices")
    page.keyboard.press("Enter")
    page.get_by_text("Your email choices are saved.").wait_for()
    user.refresh_from_db()
    assert user.notifications_off == ["overdue"]
    assert not page.get_by_label("An assessment of mine is overdue").is_checked()
    assert page.get_by_label("An assessment of mine is due in a week").is_checked()
    _no_violations(page, "email-choices-saved")
