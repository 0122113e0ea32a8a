"""The signed-in user is read by accounts.backends.PortalModelBackend: the same row and the
same checks as Django's ModelBackend, with a statement made once per process."""

import datetime

import pytest
from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.backends import PortalModelBackend
from accounts.models import Role, User
from tests.factories import LEAFactory, UserFactory

pytestmark = pytest.mark.django_db


def _fields(user: User) -> dict:
    return {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields}


def test_the_user_read_is_the_row_the_orm_reads_in_one_statement():
    lea = LEAFactory()
    user = UserFactory(
        role=Role.DISTRICT_LEADER, lea=lea, state=lea.state, notifications_off=["submitted"]
    )
    User.objects.filter(pk=user.pk).update(
        last_login=datetime.datetime(2026, 11, 30, 8, 15, tzinfo=datetime.UTC)
    )
    with CaptureQueriesContext(connection) as captured:
        read = PortalModelBackend().get_user(str(user.pk))
    assert len(captured) == 1
    assert _fields(read) == _fields(ModelBackend().get_user(user.pk))
    assert read.notifications_off == ["submitted"]
    assert read.last_login == datetime.datetime(2026, 11, 30, 8, 15, tzinfo=datetime.UTC)
    assert read._state.adding is False and read._state.db == "default"


def test_an_unknown_or_deactivated_user_is_nobody():
    user = UserFactory(role=Role.NATIONAL_ADMIN)
    assert PortalModelBackend().get_user(user.pk + 1000) is None
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert PortalModelBackend().get_user(user.pk) is None


def test_a_user_deactivated_while_signed_in_is_let_in_no_more(client):
    user = UserFactory(role=Role.NATIONAL_ADMIN)
    client.force_login(user)
    assert client.get(reverse("accounts:settings"), secure=True).status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get(reverse("accounts:settings"), secure=True).status_code == 302
