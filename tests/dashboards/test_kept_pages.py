"""A dashboard's body is kept while its figures stay as they are (cbe_portal.figures):
what the app changes shows on the next view, what is changed around it once the kept body
expires, and no viewer is ever shown what another role's view drew."""

import datetime
import re
import time

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role, User
from assessments import services
from cbe_portal.figures import figures_page
from tests.factories import AssessmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def nh(two_states):
    return two_states["NH"]


def _dashboard(client, place) -> str:
    response = client.get(
        reverse("dashboards:state", args=[place["state"].code, place["cycle"].pk]), secure=True
    )
    assert response.status_code == 200
    return response.content.decode()


def _without_token(page: str) -> str:
    """The page without its sign-out form's CSRF token (masked afresh on every response)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def _signed_in(client, place, role):
    client.force_login(place["users"][role])
    return client


def test_an_unchanged_dashboard_is_served_from_the_kept_body(client, nh):
    viewer = _signed_in(client, nh, Role.STATE_ADMIN)
    first = _dashboard(viewer, nh)
    drawn = []
    # Asked again with the same figures, the page does not draw its body.
    body = figures_page(parts=("probe",), build=lambda: drawn.append(1) or "probe")
    assert body == "probe" and drawn == [1]
    assert figures_page(parts=("probe",), build=lambda: drawn.append(2) or "other") == "probe"
    assert drawn == [1]
    assert _without_token(_dashboard(viewer, nh)) == _without_token(first)


def test_an_answer_saved_through_the_app_shows_on_the_next_view(client, nh):
    viewer = _signed_in(client, nh, Role.STATE_ADMIN)
    assert ASSESSED.format(n=0) in _dashboard(viewer, nh)
    assert ASSESSED.format(n=0) in _dashboard(viewer, nh)  # kept

    staff = nh["users"][Role.STATE_STAFF]
    assessment = services.assessment_start(user=staff, lea=nh["leas"][0], cycle=nh["cycle"])
    services.answer_save(
        assessment=assessment,
        user=staff,
        indicator="BL-01",
        rating=3,
        dont_know=False,
        evidence="",
        version=0,
    )

    assert ASSESSED.format(n=1) in _dashboard(viewer, nh)


ASSESSED = 'cbe-key-figure__value">{n}</span> <span class="cbe-key-figure__text">of 2 LEAs'


def test_a_change_made_around_the_app_shows_once_the_kept_body_expires(client, nh, settings):
    settings.FIGURES_PAGE_SECONDS = 1
    viewer = _signed_in(client, nh, Role.STATE_ADMIN)
    assert ASSESSED.format(n=0) in _dashboard(viewer, nh)
    # A row written straight to the database (the admin, a shell) moves no generation.
    AssessmentFactory(lea=nh["leas"][0], cycle=nh["cycle"])
    assert ASSESSED.format(n=0) in _dashboard(viewer, nh)
    time.sleep(1.1)
    assert ASSESSED.format(n=1) in _dashboard(viewer, nh)


def test_without_keeping_every_view_is_drawn(client, nh, settings):
    settings.FIGURES_PAGE_SECONDS = 0
    viewer = _signed_in(client, nh, Role.STATE_ADMIN)
    assert ASSESSED.format(n=0) in _dashboard(viewer, nh)
    AssessmentFactory(lea=nh["leas"][0], cycle=nh["cycle"])
    assert ASSESSED.format(n=1) in _dashboard(viewer, nh)


def test_a_body_drawn_for_one_role_is_not_served_to_another(client, nh):
    simulator = reverse("policies:policy_simulator", args=[nh["state"].code, nh["cycle"].pk])
    # The task force may try the policy simulator; state staff may not.
    assert simulator in _dashboard(_signed_in(client, nh, Role.TASK_FORCE), nh)
    assert simulator not in _dashboard(_signed_in(client, nh, Role.STATE_STAFF), nh)
    assert simulator in _dashboard(_signed_in(client, nh, Role.TASK_FORCE), nh)


def test_the_page_around_the_kept_body_is_the_viewers_own(client, nh):
    admin, task_force = nh["users"][Role.STATE_ADMIN], nh["users"][Role.TASK_FORCE]
    first = _dashboard(_signed_in(client, nh, Role.STATE_ADMIN), nh)
    second = _dashboard(_signed_in(client, nh, Role.TASK_FORCE), nh)
    assert f"<li>{admin.get_role_display()}</li>" in first
    assert f"<li>{task_force.get_role_display()}</li>" in second
    assert f"<li>{admin.get_role_display()}</li>" not in second


def test_the_cache_being_down_only_costs_the_drawing(client, nh, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Nothing listens here: every cache call fails.
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    drawn = []
    assert figures_page(parts=("down",), build=lambda: drawn.append(1) or "drawn") == "drawn"
    assert figures_page(parts=("down",), build=lambda: drawn.append(1) or "drawn") == "drawn"
    assert drawn == [1, 1]
    # A whole view too, signed in (the session is read from the database instead).
    viewer = _signed_in(client, nh, Role.STATE_ADMIN)
    assert ASSESSED.format(n=0) in _dashboard(viewer, nh)
    AssessmentFactory(lea=nh["leas"][0], cycle=nh["cycle"])
    assert ASSESSED.format(n=1) in _dashboard(viewer, nh)


# --- the whole view kept: no lookups while nothing moved (figures_view, frames) -----------


def test_a_kept_view_reads_only_the_viewer(client, nh):
    viewer = _signed_in(client, nh, Role.STATE_ADMIN)
    _dashboard(viewer, nh)
    with CaptureQueriesContext(connection) as captured:
        _dashboard(viewer, nh)
    # The state, its cycles, the viewer's state for the user bar and the session are kept.
    assert [q["sql"].split(" FROM ")[1].split()[0] for q in captured] == [
        f'"{User._meta.db_table}"'
    ]


def test_a_cycle_opened_through_the_app_shows_on_the_next_view(client, nh):
    viewer = _signed_in(client, nh, Role.STATE_ADMIN)
    assert "Winter 2031" not in _dashboard(viewer, nh)
    services.cycle_create(
        state=nh["state"],
        name="Winter 2031",
        starts_on=datetime.date(2031, 1, 1),
        ends_on=datetime.date(2031, 3, 1),
    )
    assert "Winter 2031" in _dashboard(viewer, nh)


def test_a_kept_view_lets_in_no_one_it_would_not_let_in(client, nh, two_states):
    url = reverse("dashboards:state", args=[nh["state"].code, nh["cycle"].pk])
    other_state = two_states["VT"]["users"][Role.STATE_ADMIN]
    district = nh["users"][Role.DISTRICT_LEADER]
    refused = {}
    for user in (other_state, district):
        client.force_login(user)
        refused[user.pk] = client.get(url, secure=True).status_code
    assert all(status in (403, 404) for status in refused.values())

    _dashboard(_signed_in(client, nh, Role.STATE_ADMIN), nh)  # now kept
    client.force_login(two_states["national"])
    _dashboard(client, nh)
    for user in (other_state, district):
        client.force_login(user)
        assert client.get(url, secure=True).status_code == refused[user.pk]


def _token(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_the_sign_out_form_on_a_kept_page_has_a_fresh_token_that_works(nh):
    client = Client(enforce_csrf_checks=True)
    viewer = _signed_in(client, nh, Role.STATE_ADMIN)
    first, second = _dashboard(viewer, nh), _dashboard(viewer, nh)
    assert _token(first) != _token(second)  # masked afresh, as on any page
    assert _without_token(first) == _without_token(second)
    response = client.post(
        reverse("logout"),
        {"csrfmiddlewaretoken": _token(second)},
        secure=True,
        headers={"referer": "https://testserver/"},
    )
    assert response.status_code == 302
    refused = client.get(
        reverse("dashboards:state", args=[nh["state"].code, nh["cycle"].pk]), secure=True
    )
    assert refused.status_code == 302 and "/accounts/login/" in refused["Location"]


def test_a_message_waiting_for_the_viewer_shows_on_a_kept_page(client, nh):
    viewer = _signed_in(client, nh, Role.STATE_ADMIN)
    _dashboard(viewer, nh)
    storage = CookieStorage(RequestFactory().get("/"))
    viewer.cookies[CookieStorage.cookie_name] = storage._encode(
        [Message(constants.INFO, "A message left for the next page")]
    )
    assert "A message left for the next page" in _dashboard(viewer, nh)
    assert "A message left for the next page" not in _dashboard(viewer, nh)


def test_the_page_around_a_kept_body_equals_the_page_drawn_in_full(client, nh, settings):
    viewer = _signed_in(client, nh, Role.TASK_FORCE)
    _dashboard(viewer, nh)
    kept = _dashboard(viewer, nh)
    settings.FIGURES_PAGE_SECONDS = 0
    assert _without_token(_dashboard(viewer, nh)) == _without_token(kept)
