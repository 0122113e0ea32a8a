"""`manage.py api_token` and the services behind it: create, rotate, revoke."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts.models import Role
from accounts.selectors import api_token_get
from accounts.services import api_token_revoke, api_token_rotate
from tests.factories import StateFactory, UserFactory

pytestmark = pytest.mark.django_db


def _run(*args) -> list[str]:
    out = StringIO()
    call_command("api_token", *args, stdout=out)
    return out.getvalue().strip().splitlines()


def _status_with(key: str) -> int:
    return Client().get("/api/v1/states/", HTTP_AUTHORIZATION=f"Token {key}").status_code


def test_rotating_replaces_the_only_token_of_the_user():
    user = UserFactory(role=Role.STATE_STAFF)
    first = api_token_rotate(user=user)
    second = api_token_rotate(user=user)
    assert first.key != second.key
    assert list(Token.objects.filter(user=user)) == [second]
    assert api_token_get(user=user) == second


def test_revoking_says_whether_there_was_a_token():
    user = UserFactory(role=Role.STATE_STAFF)
    assert api_token_revoke(user=user) is False
    api_token_rotate(user=user)
    assert api_token_revoke(user=user) is True
    assert api_token_get(user=user) is None


def test_the_command_prints_a_working_key_as_its_last_line():
    user = UserFactory(role=Role.STATE_ADMIN, state=StateFactory(code="NH"))
    lines = _run(user.username)
    key = lines[-1]
    assert len(lines) > 1, "other lines explain what happened"
    assert Token.objects.get(user=user).key == key
    assert _status_with(key) == 200


def test_running_the_command_again_rotates_and_the_old_key_stops_working():
    user = UserFactory(role=Role.STATE_STAFF)
    old = _run(user.username)[-1]
    lines = _run(user.username)
    new = lines[-1]
    assert new != old
    assert any("Replaced" in line for line in lines)
    assert _status_with(old) == 401
    assert _status_with(new) == 200


def test_revoke_deletes_the_token_and_prints_no_key():
    user = UserFactory(role=Role.STATE_STAFF)
    key = _run(user.username)[-1]
    lines = _run(user.username, "--revoke")
    assert key not in "\n".join(lines)
    assert not Token.objects.filter(user=user).exists()
    assert _status_with(key) == 401
    assert "nothing to revoke" in _run(user.username, "--revoke")[-1]


def test_an_unknown_user_is_an_error_exit_with_a_message():
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        _run("nobody")
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        _run("nobody", "--revoke")


def test_the_command_warns_that_an_inactive_users_token_is_refused():
    user = UserFactory(role=Role.STATE_STAFF, is_active=False)
    lines = _run(user.username)
    assert any("inactive" in line for line in lines)
    assert _status_with(lines[-1]) == 401
