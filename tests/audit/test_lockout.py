"""Failed sign-ins lock a user name, never an address: behind a load balancer the whole
state shares one address, and nobody who typed their own password right is shut out."""

import json
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.views import locked_out
from audit.client import client_ip_address
from audit.models import AccessEvent
from tests.factories import DEMO_PASSWORD, UserFactory

LOGIN = reverse("login")
OFFICE = "203.0.113.7"  # the one address a state office (or a load balancer) shows
ELSEWHERE = "198.51.100.20"


def sign_in(client, username, password, ip=OFFICE):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail_until_locked(client, username, ip=OFFICE):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, username, "not-the-password", ip)
    return response


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", role=Role.STATE_STAFF)


@pytest.fixture
def bob(alice):
    return UserFactory(username="bob", role=Role.STATE_STAFF, state=alice.state)


def test_eight_wrong_passwords_lock_the_name_with_a_page_saying_when_it_lifts(alice):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "alice", "wrong").status_code == 200  # the form, again
    before = timezone.now()
    response = sign_in(client, "alice", "wrong")
    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert "Sign-in is paused for this account" in page
    assert "alice" in page
    lifts = response.context["lifts_at"]
    assert before + timedelta(minutes=14) < lifts <= timezone.now() + timedelta(minutes=15)
    assert lifts.strftime("%-I:%M") in page
    assert 0 < int(response["Retry-After"]) <= 15 * 60


def test_the_right_password_is_refused_while_the_name_is_locked(alice):
    client = Client()
    fail_until_locked(client, "alice")
    response = sign_in(client, "alice", DEMO_PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_someone_else_behind_the_same_address_still_signs_in(alice, bob):
    fail_until_locked(Client(), "alice")
    colleague = Client()
    response = sign_in(colleague, "bob", DEMO_PASSWORD)
    assert response.status_code == 302
    assert int(colleague.session["_auth_user_id"]) == bob.pk


def test_a_locked_name_is_locked_from_every_address(alice):
    fail_until_locked(Client(), "alice", ip=OFFICE)
    assert sign_in(Client(), "alice", DEMO_PASSWORD, ip=ELSEWHERE).status_code == 429


def test_with_username_and_ip_only_the_failing_address_is_locked(settings, alice):
    settings.AXES_LOCKOUT_BY = "username_and_ip"
    settings.AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
    fail_until_locked(Client(), "alice", ip=OFFICE)
    assert sign_in(Client(), "alice", DEMO_PASSWORD, ip=OFFICE).status_code == 429
    assert sign_in(Client(), "alice", DEMO_PASSWORD, ip=ELSEWHERE).status_code == 302


def test_failures_spread_over_many_names_lock_none_of_them(alice, bob):
    """A guesser trying each name a few times from one address locks nobody out."""
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "alice", "wrong")
        sign_in(client, "bob", "wrong")
    assert sign_in(Client(), "alice", DEMO_PASSWORD).status_code == 302
    assert sign_in(Client(), "bob", DEMO_PASSWORD).status_code == 302


def test_a_lockout_lifts_after_the_cool_off(alice):
    fail_until_locked(Client(), "alice")
    AccessAttempt.objects.filter(username="alice").update(
        attempt_time=timezone.now() - timedelta(minutes=16)
    )
    assert sign_in(Client(), "alice", DEMO_PASSWORD).status_code == 302


def _admin_client(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_national_administrator_unlocks_the_account_from_the_admin(alice):
    fail_until_locked(Client(), "alice")
    national = UserFactory(role=Role.NATIONAL_ADMIN, is_staff=True)
    admin = _admin_client(national)
    changelist = reverse("admin:axes_accessattempt_changelist")
    listing = admin.get(changelist)
    assert listing.status_code == 200
    assert "alice" in listing.content.decode()
    ids = list(AccessAttempt.objects.filter(username="alice").values_list("pk", flat=True))
    response = admin.post(changelist, {"action": "unlock", "_selected_action": ids}, follow=True)
    assert "Unlocked alice" in response.content.decode()
    assert not AccessAttempt.objects.filter(username="alice").exists()
    assert sign_in(Client(), "alice", DEMO_PASSWORD).status_code == 302


@pytest.mark.parametrize("role", [Role.STATE_ADMIN, Role.STATE_STAFF])
def test_only_national_administrators_see_lockouts_in_the_admin(alice, role):
    fail_until_locked(Client(), "alice")
    staff = UserFactory(role=role, state=alice.state, is_staff=True, is_superuser=False)
    admin = _admin_client(staff)
    assert admin.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403
    assert "Access attempts" not in admin.get(reverse("admin:index")).content.decode()
    assert AccessAttempt.objects.filter(username="alice").exists()


def test_axes_own_sign_in_logs_are_not_kept_beside_the_access_log(alice):
    sign_in(Client(), "alice", DEMO_PASSWORD)
    assert not AccessLog.objects.exists()
    assert AccessEvent.objects.filter(kind=AccessEvent.Kind.SIGN_IN, username="alice").exists()


def test_an_api_lockout_answers_json_in_the_api_error_shape(alice):
    fail_until_locked(Client(), "alice")
    request = RequestFactory().post("/api/v1/leas/", REMOTE_ADDR=OFFICE)
    request.axes_ip_address = OFFICE
    response = locked_out(request, None, {"username": "alice"})
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == "locked_out"
    assert "Try again after" in body["message"]
    assert int(response["Retry-After"]) > 0


# ------------------------------------------------------------------ the client's address


def _request(remote="10.0.0.5", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip_address(_request(forwarded="1.2.3.4")) == "10.0.0.5"


def test_behind_one_proxy_the_address_it_appended_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote "6.6.6.6" itself; the load balancer appended what it saw.
    assert client_ip_address(_request(forwarded="6.6.6.6, 198.51.100.9")) == "198.51.100.9"


def test_behind_two_proxies_the_second_entry_from_the_right_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    request = _request(forwarded="6.6.6.6, 198.51.100.9, 10.1.1.1")
    assert client_ip_address(request) == "198.51.100.9"


def test_a_request_that_skipped_the_proxies_or_names_garbage_uses_the_connection(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip_address(_request(forwarded="198.51.100.9")) == "10.0.0.5"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip_address(_request(forwarded="not-an-address")) == "10.0.0.5"


def test_behind_a_load_balancer_colleagues_are_told_apart_by_their_own_addresses(
    settings, alice, bob
):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_LOCKOUT_BY = "username_and_ip"
    settings.AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
    balancer = "10.0.0.2"
    client = Client(REMOTE_ADDR=balancer)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": "alice", "password": "wrong"},
            REMOTE_ADDR=balancer,
            HTTP_X_FORWARDED_FOR=OFFICE,
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {OFFICE}
    from_home = Client().post(
        LOGIN,
        {"username": "alice", "password": DEMO_PASSWORD},
        REMOTE_ADDR=balancer,
        HTTP_X_FORWARDED_FOR=ELSEWHERE,
    )
    assert from_home.status_code == 302
