"""Sessions are read from the cache and written through to the database
(cbe_portal.sessions): a signed-in page costs no session query, signing out ends the
session everywhere, and the portal keeps working while the cache is down."""

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from tests.factories import DEMO_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

CACHE_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens here: every call fails
    }
}


@pytest.fixture
def staff():
    return UserFactory(role=Role.NATIONAL_ADMIN)


def _signed_in(staff) -> Client:
    client = Client()
    response = client.post(
        reverse("login"), {"username": staff.username, "password": DEMO_PASSWORD}, secure=True
    )
    assert response.status_code == 302
    return client


def _settings_page(client) -> int:
    return client.get(reverse("accounts:settings"), secure=True).status_code


def _session_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert _settings_page(client) == 200
    return [q["sql"] for q in captured if Session._meta.db_table in q["sql"]]


def test_a_signed_in_page_reads_the_session_from_the_cache(staff):
    client = _signed_in(staff)
    _settings_page(client)  # the first page notes the time (idle sign-out): one write
    assert _session_queries(client) == []


def test_the_database_holds_the_session_when_the_cache_loses_it(staff):
    client = _signed_in(staff)
    _settings_page(client)
    cache.clear()
    assert len(_session_queries(client)) == 1  # read from the database, then kept again
    assert _session_queries(client) == []


def test_signing_out_ends_the_session_in_the_cache_too(staff):
    client = _signed_in(staff)
    assert _settings_page(client) == 200
    cookie = client.cookies["sessionid"].value
    assert client.post(reverse("logout"), secure=True).status_code == 302
    client.cookies["sessionid"] = cookie  # the old cookie, replayed
    assert _settings_page(client) == 302


def test_with_the_cache_down_people_still_sign_in_use_pages_and_sign_out(staff, settings):
    settings.CACHES = CACHE_DOWN
    client = _signed_in(staff)
    assert _settings_page(client) == 200
    assert _settings_page(client) == 200
    cookie = client.cookies["sessionid"].value
    assert client.post(reverse("logout"), secure=True).status_code == 302
    client.cookies["sessionid"] = cookie
    assert _settings_page(client) == 302
