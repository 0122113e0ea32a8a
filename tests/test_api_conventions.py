"""What every endpoint under /api/v1/ shares: the JSON error shape whatever refused or crashed
the request, no caching, strict pagination, token authentication, the write throttle, the
schema's error replies and the 410 of the old unversioned /api/."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import path
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from cbe_portal import urls as project_urls
from cbe_portal.api import json_errors
from tests.factories import AssessmentFactory, LEAFactory, StateFactory, UserFactory

pytestmark = pytest.mark.django_db


class CrashApi(APIView):
    def get(self, request):
        raise RuntimeError("boom")

    def post(self, request):
        return Response({"ok": True, "sent": request.data})


@json_errors
def crash_page(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("api/v1/test-crash/", CrashApi.as_view()),
    path("test-json-crash/", crash_page),
    *project_urls.urlpatterns,
]


def assert_error_shape(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert response["Cache-Control"] == "private, no-store"
    body = response.json()
    assert set(body) >= {"code", "message", "fields"}
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["fields"], dict)
    if code:
        assert body["code"] == code
    return body


def test_the_unversioned_api_answers_410_with_the_new_address(client):
    body = assert_error_shape(client.get("/api/leas/?state=NH"), 410, "gone")
    assert "/api/v1/leas/" in body["message"]
    response = client.get("/api/")
    assert_error_shape(response, 410, "gone")
    assert response["Link"] == '</api/v1/>; rel="successor-version"'


def test_an_unknown_address_under_the_api_is_a_json_404(client):
    client.force_login(UserFactory(role=Role.NATIONAL_ADMIN))
    assert_error_shape(client.get("/api/v1/no-such-thing/"), 404, "not_found")


def test_an_anonymous_caller_gets_a_json_401_that_says_how_to_authenticate(client):
    response = client.get("/api/v1/states/")
    assert_error_shape(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_basic_authentication_is_off_and_a_nul_byte_in_it_is_no_crash(client):
    for credentials in ("Basic dXNlcjpwYXNz", "Basic AGFkbWluOgBwYXNz"):
        response = client.get("/api/v1/states/", HTTP_AUTHORIZATION=credentials)
        assert_error_shape(response, 401, "not_authenticated")
    # A raw NUL in the header is refused before anything reads it.
    response = client.get("/api/v1/states/", HTTP_AUTHORIZATION="Basic \x00\x00")
    body = assert_error_shape(response, 400, "invalid")
    assert list(body["fields"]) == ["The Authorization header"]


def test_a_token_authenticates_and_a_wrong_one_is_a_json_401(client):
    user = UserFactory(role=Role.STATE_STAFF, state=StateFactory(code="NH"))
    token = Token.objects.create(user=user)
    response = client.get("/api/v1/states/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert [row["code"] for row in response.json()["results"]] == ["NH"]
    assert response["Cache-Control"] == "private, no-store"
    wrong = client.get("/api/v1/states/", HTTP_AUTHORIZATION="Token nope")
    assert_error_shape(wrong, 401, "authentication_failed")


def test_a_method_the_endpoint_does_not_take_is_a_json_405(client):
    client.force_login(UserFactory(role=Role.NATIONAL_ADMIN))
    assert_error_shape(client.delete("/api/v1/states/"), 405, "method_not_allowed")


@pytest.mark.parametrize(
    "query", ["page=1&page=2", "page=abc", "page=0", "page_size=x", "page_size=1&page_size=2"]
)
def test_a_repeated_or_malformed_page_number_is_a_400_naming_it(client, query):
    client.force_login(UserFactory(role=Role.NATIONAL_ADMIN))
    body = assert_error_shape(client.get(f"/api/v1/states/?{query}"), 400, "invalid")
    assert set(body["fields"]) == {query.split("=")[0]}


def test_a_page_past_the_end_is_a_json_404(client):
    client.force_login(UserFactory(role=Role.NATIONAL_ADMIN))
    StateFactory()
    assert_error_shape(client.get("/api/v1/states/?page=9"), 404, "not_found")


@pytest.mark.urls("tests.test_api_conventions")
def test_a_crash_in_an_api_view_is_a_json_500():
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(role=Role.NATIONAL_ADMIN))
    body = assert_error_shape(client.get("/api/v1/test-crash/"), 500, "server_error")
    assert "boom" not in body["message"]


@pytest.mark.urls("tests.test_api_conventions")
def test_a_crash_in_a_view_that_promises_json_is_a_json_500():
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(role=Role.NATIONAL_ADMIN))
    assert_error_shape(client.get("/test-json-crash/"), 500, "server_error")


@pytest.mark.urls("tests.test_api_conventions")
def test_writes_past_the_rate_are_a_json_429(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"write": "2/minute"},
    }
    cache.clear()  # the throttle counts in the cache, which outlives a test
    client = Client()
    client.force_login(UserFactory(role=Role.NATIONAL_ADMIN))
    for _ in range(2):
        response = client.post("/api/v1/test-crash/", {}, content_type="application/json")
        assert response.status_code == 200
    response = client.post("/api/v1/test-crash/", {}, content_type="application/json")
    body = assert_error_shape(response, 429, "throttled")
    assert "seconds" in body["message"]
    assert client.get("/api/v1/states/").status_code == 200  # reads are not throttled


@pytest.mark.urls("tests.test_api_conventions")
def test_a_body_that_is_not_json_is_a_json_400_or_415():
    client = Client()
    client.force_login(UserFactory(role=Role.NATIONAL_ADMIN))
    response = client.generic(
        "POST", "/api/v1/test-crash/", "{bad", content_type="application/json"
    )
    assert_error_shape(response, 400, "parse_error")
    assert_error_shape(
        client.post("/api/v1/test-crash/", {"a": "1"}), 415, "unsupported_media_type"
    )


def test_the_autosave_answers_every_refusal_in_the_json_shape():
    staff = UserFactory(role=Role.STATE_STAFF, state=StateFactory(code="NH"))
    other = AssessmentFactory(lea=LEAFactory(state=StateFactory(code="VT")))
    url = f"/assessments/{other.pk}/answers/X-01/"
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert_error_shape(client.post(url, {"rating": "2"}), 403)  # no CSRF token
    plain = Client()
    plain.force_login(staff)
    assert_error_shape(plain.get(url), 405, "method_not_allowed")
    assert_error_shape(plain.post(url, {"rating": "2"}), 404, "not_found")


def test_the_schema_lists_the_error_replies_of_every_operation(client):
    client.force_login(UserFactory(role=Role.NATIONAL_ADMIN))
    schema = client.get("/api/v1/schema/?format=json").json()
    assert "Error" in schema["components"]["schemas"]
    for route, operations in schema["paths"].items():
        assert route.startswith("/api/v1/"), route
        for method, operation in operations.items():
            documented = set(operation["responses"])
            assert {"400", "401", "403", "404", "500"} <= documented, (method, route)


def test_the_docs_page_is_served_from_our_own_files(client):
    client.force_login(UserFactory(role=Role.STATE_STAFF, state=StateFactory()))
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/" in response.content.decode()


def test_a_filter_given_twice_is_a_400_naming_it(client):
    client.force_login(UserFactory(role=Role.NATIONAL_ADMIN))
    body = assert_error_shape(client.get("/api/v1/leas/?locale=city&locale=rural"), 400, "invalid")
    assert set(body["fields"]) == {"locale"}
