"""The settings page: who you are, and your API token (create, replace, revoke)."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts.models import Role
from accounts.services import api_token_rotate
from tests.factories import LEAFactory, StateFactory, UserFactory

pytestmark = pytest.mark.django_db

SETTINGS = "/accounts/settings/"
ROTATE = "/accounts/settings/token/"
REVOKE = "/accounts/settings/token/revoke/"


@pytest.fixture
def staff():
    return UserFactory(
        role=Role.STATE_STAFF,
        state=StateFactory(code="NH", name="New Hampshire"),
        first_name="Ada",
        last_name="Byron",
    )


@pytest.fixture
def signed_in(client, staff):
    client.force_login(staff)
    return client


def test_signed_out_people_are_sent_to_sign_in(client):
    for url in (SETTINGS, ROTATE, REVOKE):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("role", list(Role))
def test_every_role_has_the_page_linked_from_the_header(client, role):
    state = StateFactory()
    user = UserFactory(
        role=role,
        state=None if role == Role.NATIONAL_ADMIN else state,
        lea=LEAFactory(state=state) if role == Role.DISTRICT_LEADER else None,
    )
    client.force_login(user)
    page = client.get(SETTINGS)
    assert page.status_code == 200
    assert user.get_role_display() in page.content.decode()
    assert f'href="{SETTINGS}"' in client.get("/policy/").content.decode()


def test_the_page_shows_name_role_and_state_and_that_there_is_no_token(signed_in):
    page = signed_in.get(SETTINGS)
    text = page.content.decode()
    assert "Ada Byron" in text and "State staff" in text and "New Hampshire" in text
    assert "You have no API token" in text
    assert "no-store" in page["Cache-Control"]


def test_creating_a_token_shows_its_key_once(signed_in, staff):
    response = signed_in.post(ROTATE)
    token = Token.objects.get(user=staff)
    text = response.content.decode()
    assert response.status_code == 200
    assert token.key in text and "shown only this once" in text
    assert "no-store" in response["Cache-Control"]
    later = signed_in.get(SETTINGS).content.decode()
    assert token.key not in later
    assert "You have an API token" in later and "Created" in later
    api = Client().get("/api/v1/states/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.status_code == 200


def test_replacing_needs_confirmation_and_stops_the_old_key(signed_in, staff):
    old = api_token_rotate(user=staff).key
    question = signed_in.get(ROTATE)
    assert question.status_code == 200 and "Replace your API token?" in question.content.decode()
    refused = signed_in.post(ROTATE, {})
    assert refused.status_code == 200
    assert "Tick the box" in refused.content.decode()
    assert Token.objects.get(user=staff).key == old
    done = signed_in.post(ROTATE, {"confirm": "on"})
    new = Token.objects.get(user=staff).key
    assert new != old and new in done.content.decode()
    assert "previous token no longer works" in done.content.decode()


def test_revoking_needs_confirmation(signed_in, staff):
    api_token_rotate(user=staff)
    question = signed_in.get(REVOKE)
    assert "Revoke your API token?" in question.content.decode()
    assert signed_in.post(REVOKE, {}).status_code == 200
    assert Token.objects.filter(user=staff).exists()
    done = signed_in.post(REVOKE, {"confirm": "on"}, follow=True)
    assert not Token.objects.filter(user=staff).exists()
    text = done.content.decode()
    assert "Your API token is revoked" in text and "You have no API token" in text


def test_revoking_without_a_token_goes_back_to_the_settings(signed_in):
    response = signed_in.post(REVOKE, {"confirm": "on"}, follow=True)
    assert response.redirect_chain[-1][0] == SETTINGS
    assert "no API token to revoke" in response.content.decode()


def test_asking_to_replace_without_a_token_goes_back_to_the_settings(signed_in):
    response = signed_in.get(ROTATE)
    assert response.status_code == 302 and response.url == SETTINGS


def test_the_forms_need_a_csrf_token(staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert client.post(ROTATE).status_code == 403
    assert not Token.objects.filter(user=staff).exists()
