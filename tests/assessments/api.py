"""Helpers the API tests of assessments share: JSON requests and the places they work on."""

import json

from django.core.cache import cache
from django.test import Client

from accounts.models import Role
from assessments.models import Assessment
from tests.factories import UserFactory
from tests.test_api_conventions import assert_error_shape

__all__ = ["ApiClient", "assert_error_shape", "world_with_assessment"]


class ApiClient:
    """A test client signed in as one user, sending and reading JSON."""

    def __init__(self, user=None):
        self.client = Client()
        if user is not None:
            self.client.force_login(user)

    def get(self, url, **params):
        return self.client.get(url, params)

    def _send(self, method, url, body):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.generic(method, url, data, content_type="application/json")

    def post(self, url, body=None):
        return self._send("POST", url, {} if body is None else body)

    def put(self, url, body):
        return self._send("PUT", url, body)


def world_with_assessment(two_states) -> dict:
    """NH of the `two_states` fixture with a draft assessment of its first LEA, a second
    staff member, and a client per role (plus `national` and VT's administrator)."""
    cache.clear()  # the write throttle counts in the cache
    nh = two_states["NH"]
    nh["assessment"] = Assessment.objects.create(lea=nh["leas"][0], cycle=nh["cycle"])
    nh["staff"] = nh["users"][Role.STATE_STAFF]
    nh["staff2"] = UserFactory(role=Role.STATE_STAFF, state=nh["state"], username="second")
    nh["admin"] = nh["users"][Role.STATE_ADMIN]
    nh["api"] = {role: ApiClient(user) for role, user in nh["users"].items()}
    nh["api"]["national"] = ApiClient(two_states["national"])
    nh["api"]["vt_admin"] = ApiClient(two_states["VT"]["users"][Role.STATE_ADMIN])
    nh["api"]["staff2"] = ApiClient(nh["staff2"])
    return nh
