"""The pages the hardening added pass axe with no violations: the 400 for a control
character, the 503 while the database is away, and the sign-in page after an idle
sign-out, with its message."""

import time

import pytest
from django.template.loader import render_to_string

from accounts.models import Role
from cbe_portal.middleware import IdleTimeoutMiddleware
from cbe_portal.sessions import SessionStore
from tests.factories import DEMO_PASSWORD

from .conftest import sign_in
from .test_accessibility import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_400_and_503_pages_have_no_violations(live_server, new_context):
    page = new_context().new_page()
    response = page.goto(f"{live_server.url}/accounts/login/?next=%00")
    assert response.status == 400
    assert "contains a control character (U+0000 NUL)" in page.inner_text("main")
    assert axe_violations(page) == ""
    # The 503 cannot be had from a live database: its page is shown at the site's address,
    # so its styles load as they would.
    page.goto(f"{live_server.url}/static/css/app.css")
    page.set_content(render_to_string("503.html"))
    assert page.locator("h1").inner_text() == "The portal is briefly unavailable"
    assert axe_violations(page) == ""


def test_the_sign_in_page_after_an_idle_sign_out_has_no_violations(
    live_server, new_context, two_states, settings
):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    staff = two_states["NH"]["users"][Role.STATE_STAFF]
    context = new_context()
    page = context.new_page()
    sign_in(page, live_server.url, staff, DEMO_PASSWORD)
    key = next(c["value"] for c in context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=key)
    session[IdleTimeoutMiddleware.SESSION_KEY] = time.time() - 31 * 60
    session.save()
    page.goto(f"{live_server.url}/leas/")
    assert "/accounts/login/" in page.url
    assert "signed out after 30 minutes without activity" in page.inner_text("main")
    assert axe_violations(page) == ""
