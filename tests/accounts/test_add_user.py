"""`manage.py add_user` checks the password with the site's password validators."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Role, User
from accounts.services import user_add

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("12345678", "This password is too common."),
        ("short1", "This password is too short. It must contain at least 8 characters."),
    ],
)
def test_add_user_refuses_a_weak_password_with_the_validators_message(
    monkeypatch, password, message
):
    monkeypatch.setenv("CBE_PASSWORD", password)
    with pytest.raises(CommandError, match=message):
        call_command("add_user", "newadmin", "--role", Role.NATIONAL_ADMIN)
    assert not User.objects.filter(username="newadmin").exists()


def test_add_user_takes_a_password_the_validators_accept(monkeypatch, capsys):
    monkeypatch.setenv("CBE_PASSWORD", "a-long-and-unusual-passphrase")
    call_command("add_user", "newadmin", "--role", Role.NATIONAL_ADMIN)
    assert User.objects.get(username="newadmin").check_password("a-long-and-unusual-passphrase")


def test_the_service_refuses_a_common_password_before_storing_anything():
    with pytest.raises(Exception, match="too common"):
        user_add(username="someone", password="password", role=Role.NATIONAL_ADMIN)
    assert not User.objects.filter(username="someone").exists()
