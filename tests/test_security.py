"""The security settings and middleware of the whole site (cbe_portal/settings.py,
cbe_portal/middleware.py, cbe_portal/views.py): production settings that pass Django's
deployment check, private replies to signed-in users, sign-out after inactivity, and a
503 rather than a 500 while the database cannot be reached."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.test import Client
from django.urls import path, reverse
from rest_framework.views import APIView

from accounts.models import Role
from cbe_portal import urls as project_urls
from cbe_portal.api import json_errors
from cbe_portal.env import env_proxy_ssl_header
from cbe_portal.middleware import IdleTimeoutMiddleware
from reports.models import ReportJob
from tests.factories import AssessmentFactory, LEAFactory, StateFactory, UserFactory
from tests.test_api_conventions import assert_error_shape

ROOT = Path(__file__).resolve().parent.parent


# --- production settings ---------------------------------------------------------------


def _production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECURE_")}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="example.org",
        **extra,
    )
    return env


def test_the_deployment_check_passes_on_the_production_defaults():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=_production_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deployment_check_fails_when_secret_key_is_not_set():
    env = _production_env()
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "cbe_portal.W001" in result.stderr and "SECRET_KEY is not set" in result.stderr


def _settings_in(env: dict[str, str], *names: str) -> list[str]:
    code = "from django.conf import settings; " + "; ".join(
        f"print(repr(settings.{name}))" for name in names
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**env, "DJANGO_SETTINGS_MODULE": "cbe_portal.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


def test_production_turns_on_https_protections_and_a_local_run_can_turn_them_off():
    names = ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")
    assert _settings_in(_production_env(), *names) == ["True", "True", "True"]
    local = _production_env(SECURE_SSL_REDIRECT="false", SECURE_COOKIES="false")
    assert _settings_in(local, *names) == ["False", "False", "False"]
    assert _settings_in(_production_env(), "SECURE_HSTS_SECONDS") == ["31536000"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("HTTP_X_FORWARDED_PROTO", ("HTTP_X_FORWARDED_PROTO", "https")),
        ("http_x_forwarded_proto=https", ("HTTP_X_FORWARDED_PROTO", "https")),
        ("HTTP_X_FORWARDED_SSL=on", ("HTTP_X_FORWARDED_SSL", "on")),
        ("", None),
    ],
)
def test_the_proxy_header_is_read_from_its_wsgi_name(monkeypatch, value, expected):
    monkeypatch.setenv("SECURE_PROXY_SSL_HEADER", value)
    assert env_proxy_ssl_header("SECURE_PROXY_SSL_HEADER") == expected


def test_a_proxy_header_that_is_not_a_request_header_stops_start_up(monkeypatch):
    monkeypatch.setenv("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto")
    with pytest.raises(ImproperlyConfigured, match="SECURE_PROXY_SSL_HEADER"):
        env_proxy_ssl_header("SECURE_PROXY_SSL_HEADER")


@pytest.mark.django_db
def test_a_request_over_plain_http_is_redirected_to_https_in_production(settings, client):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 365 * 24 * 3600
    response = client.get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"
    secure = client.get("/accounts/login/", secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")


# --- private replies -------------------------------------------------------------------


@pytest.fixture
def nh(framework):
    state = StateFactory(code="NH")
    lea = LEAFactory(state=state)
    assessment = AssessmentFactory(lea=lea)
    staff = UserFactory(role=Role.STATE_STAFF, state=state)
    return {"state": state, "lea": lea, "assessment": assessment, "staff": staff}


@pytest.mark.django_db
def test_every_kind_of_reply_to_a_signed_in_user_is_private_and_not_stored(nh, client):
    client.force_login(nh["staff"])
    job = ReportJob.objects.create(
        kind="lea",
        state=nh["state"],
        lea=nh["lea"],
        cycle=nh["assessment"].cycle,
        status="done",
        progress=100,
        page_count=1,
    )
    job.file.save("private.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
    cycle = nh["assessment"].cycle
    urls = {
        "page": reverse("readiness:lea_list"),
        "redirect": reverse("readiness:assessment", args=[nh["assessment"].pk]),
        "pdf": reverse("reports:job_download", args=[job.pk]),
        "csv": reverse("dashboards:state_export", args=["NH", cycle.pk, "completion"]),
        "api": "/api/v1/leas/",
        "not found": "/leas/0000000/",
    }
    for kind, url in urls.items():
        response = client.get(url)
        assert response.status_code in (200, 302, 404), (kind, response.status_code)
        assert response["Cache-Control"] == "private, no-store", kind
    assert client.get(urls["pdf"])["Content-Type"] == "application/pdf"


@pytest.mark.django_db
def test_static_files_stay_cacheable_for_a_signed_in_user(client):
    client.force_login(UserFactory(role=Role.NATIONAL_ADMIN))
    static = client.get("/static/css/app.css")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")


# --- sign-out after inactivity ---------------------------------------------------------


def _idle_for(client, seconds: float) -> None:
    session = client.session
    session[IdleTimeoutMiddleware.SESSION_KEY] = time.time() - seconds
    session.save()


@pytest.mark.django_db
def test_a_session_idle_past_the_timeout_is_signed_out_with_a_message(nh, client, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    client.force_login(nh["staff"])
    assert client.get(reverse("readiness:lea_list")).status_code == 200
    _idle_for(client, 31 * 60)
    response = client.get(reverse("readiness:lea_list"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "signed out after 30 minutes without activity" in response.content.decode()
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_a_session_active_within_the_timeout_stays_signed_in(nh, client, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    client.force_login(nh["staff"])
    client.get(reverse("readiness:lea_list"))
    _idle_for(client, 29 * 60)
    assert client.get(reverse("readiness:lea_list")).status_code == 200
    assert client.session[IdleTimeoutMiddleware.SESSION_KEY] > time.time() - 5


@pytest.mark.django_db
def test_an_autosave_counts_as_activity_and_after_the_timeout_says_signed_out(nh, client, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    client.force_login(nh["staff"])
    url = reverse("readiness:answer_save", args=[nh["assessment"].pk, "BL-01"])
    _idle_for(client, 25 * 60)
    response = client.post(url, {"choice": "2", "evidence": "note", "version": 0})
    assert response.status_code == 200
    assert client.session[IdleTimeoutMiddleware.SESSION_KEY] > time.time() - 5
    _idle_for(client, 31 * 60)
    response = client.post(url, {"choice": "3", "evidence": "later", "version": 1})
    assert response.status_code == 401
    assert response.json()["code"] == "signed_out"


def test_the_session_lasts_a_working_day_at_most(settings):
    assert settings.SESSION_COOKIE_AGE == 9 * 3600


# --- the database going away -----------------------------------------------------------


class DatabaseDownApi(APIView):
    def get(self, request):
        raise OperationalError("server closed the connection unexpectedly")


def database_down_page(request):
    raise InterfaceError("connection already closed")


@json_errors
def database_down_json(request):
    raise OperationalError("could not connect to server")


def crash_page(request):
    raise RuntimeError("boom")


def fine(request):
    return HttpResponse("ok")


handler500 = project_urls.handler500
urlpatterns = [
    path("api/v1/test-db-down/", DatabaseDownApi.as_view()),
    path("test-db-down/", database_down_page),
    path("test-db-down-json/", database_down_json),
    path("test-crash/", crash_page),
    *project_urls.urlpatterns,
]


@pytest.mark.django_db
@pytest.mark.urls("tests.test_security")
def test_an_unreachable_database_is_a_503_page_with_retry_after():
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(role=Role.NATIONAL_ADMIN))
    response = client.get("/test-db-down/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "The portal is briefly unavailable" in response.content.decode()
    assert client.get("/test-crash/").status_code == 500


@pytest.mark.django_db
@pytest.mark.urls("tests.test_security")
@pytest.mark.parametrize("url", ["/api/v1/test-db-down/", "/test-db-down-json/"])
def test_an_unreachable_database_is_a_json_503_where_json_is_promised(url):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(role=Role.NATIONAL_ADMIN))
    response = client.get(url)
    body = assert_error_shape(response, 503, "unavailable")
    assert "try again" in body["message"]
    assert response["Retry-After"] == "30"


def test_the_503_page_looks_like_the_500_page():
    templates = ROOT / "templates"
    page, crash = (templates / "503.html").read_text(), (templates / "500.html").read_text()
    assert page.split("<main")[0].replace("The portal is briefly unavailable", "") == crash.split(
        "<main"
    )[0].replace("Something went wrong", "")
