"""Control characters other than tab and line breaks are refused with a 400 naming the
field, on every address of the site, before anything can hand them to the database
(PostgreSQL cannot store a NUL at all; it was a 500). The sweep is generated from the URL
patterns, so an address added later is covered with no change here; it runs on whatever
database the session uses (PostgreSQL when DATABASE_URL is set)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern

from accounts.models import Role
from assessments.forms import AnswerForm
from assessments.models import Answer
from tests.factories import AssessmentFactory, LEAFactory, StateFactory, UserFactory
from tests.test_api_conventions import assert_error_shape

pytestmark = pytest.mark.django_db

CONTROLS = ["\x00", "\x1b", "\x85"]  # NUL, another C0 control, a C1 control
SAMPLE = {"int": "1", "id": "1", "state": "NH", "dashboard_state": "NH"}


def _routes(patterns=None, prefix: str = "") -> list[str]:
    """Every URL pattern of the site as a route string, `<converter:name>` kept."""
    routes: list[str] = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        text = str(pattern.pattern)
        if isinstance(pattern.pattern, RegexPattern):
            text = _regex_to_route(text)
            if text is None:
                continue
        if isinstance(pattern, URLResolver):
            routes.extend(_routes(pattern.url_patterns, prefix + text))
        elif isinstance(pattern, URLPattern):
            routes.append(prefix + text)
    return sorted(set(routes))


def _regex_to_route(regex: str) -> str | None:
    text = regex.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\.", ".")
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<str:\1>", text)
    text = re.sub(r"\(\?!.*?\)", "", text)
    return None if re.search(r"[()\[\]*+?|\\]", text) else text


def _address(route: str, value: str | None = None) -> str:
    """The route with sample values; `value` replaces the first text parameter."""
    replaced = False

    def fill(match: re.Match) -> str:
        nonlocal replaced
        converter = match.group(1) or "str"
        if value is not None and not replaced and converter not in ("int", "id"):
            replaced = True
            return value
        return SAMPLE.get(converter, "x1")

    return "/" + re.sub(r"<(?:(\w+):)?\w+>", fill, route)


ROUTES = _routes()


def test_the_sweep_covers_the_sites_addresses():
    assert len(ROUTES) > 60
    for expected in ("assessments/<int:pk>/answers/<str:code>/", "api/v1/leas/", "accounts/login/"):
        assert expected in ROUTES


@pytest.fixture(scope="module")
def signed_in(module_db, django_db_blocker):
    client = Client(raise_request_exception=False)
    with django_db_blocker.unblock():
        client.force_login(UserFactory(role=Role.NATIONAL_ADMIN))
    return client


def _refused(response, field: str, address: str) -> None:
    assert response.status_code == 400, (address, response.status_code, response.content[:200])
    if address.startswith("/api/") or "/answers/" in address:
        body = assert_error_shape(response, 400, "invalid")
        assert list(body["fields"]) == [field], address
    else:
        assert field in response.content.decode(), address


@pytest.mark.parametrize("route", ROUTES)
def test_a_control_character_anywhere_in_a_request_is_a_400_naming_the_field(signed_in, route):
    address = _address(route)
    for char in CONTROLS:
        _refused(signed_in.get(f"{address}?q=a{char}b"), "q", address)
        _refused(signed_in.get(address, {f"k{char}": "1"}), f"k{char}", address)
        if address.startswith("/api/"):
            # A JSON body is checked by the endpoint's serializer, field by field (see
            # the tests below); keys it does not read are ignored. Never a 5xx.
            body = {"name": f"a{char}", "nested": [{f"n{char}": f"{char}"}]}
            for method in (signed_in.post, signed_in.put, signed_in.patch):
                response = method(address, body, content_type="application/json")
                assert response.status_code < 500, (address, response.content[:200])
        elif address == reverse("imports:upload"):
            # The upload reads its own body (its size limit is enforced while the file
            # streams in); a field it does not know is never read, and the post is refused.
            response = signed_in.post(address, {"note": f"a{char}b"})
            assert response.status_code == 400, address
        else:
            _refused(signed_in.post(address, {"note": f"a{char}b"}), "note", address)
        response = signed_in.get(address, HTTP_AUTHORIZATION=f"Basic {char}")
        _refused(response, "The Authorization header", address)
    if "<" in route and not route.endswith("<str:rest>"):
        with_nul = _address(route, "a%00b")
        if with_nul != address:
            _refused(signed_in.get(with_nul), "The address", with_nul)


def test_an_evidence_note_with_a_nul_is_refused_by_autosave_and_nothing_is_stored(framework):
    state = StateFactory(code="NH")
    assessment = AssessmentFactory(lea=LEAFactory(state=state))
    client = Client()
    client.force_login(UserFactory(role=Role.STATE_STAFF, state=state))
    url = reverse("readiness:answer_save", args=[assessment.pk, "BL-01"])
    response = client.post(url, {"choice": "2", "evidence": "before\x00after", "version": 0})
    body = assert_error_shape(response, 400, "invalid")
    assert "evidence contains a control character (U+0000 NUL)" in body["message"]
    domain = reverse("readiness:assessment_domain", args=[assessment.pk, "blended"])
    data = {"BL-01-choice": "2", "BL-01-evidence": "x\x00", "BL-01-version": "0"}
    response = client.post(domain, data)
    assert response.status_code == 400
    assert "BL-01-evidence contains a control character" in response.content.decode()
    assert not Answer.objects.filter(assessment=assessment).exists()


def test_tabs_and_line_breaks_in_a_note_are_kept(framework):
    state = StateFactory(code="NH")
    assessment = AssessmentFactory(lea=LEAFactory(state=state))
    client = Client()
    client.force_login(UserFactory(role=Role.STATE_STAFF, state=state))
    url = reverse("readiness:answer_save", args=[assessment.pk, "BL-01"])
    response = client.post(url, {"choice": "2", "evidence": "a\tb\r\nc", "version": 0})
    assert response.status_code == 200
    assert Answer.objects.get(assessment=assessment).evidence == "a\tb\nc"


def test_the_answer_form_refuses_a_nul_itself_as_well():
    form = AnswerForm({"choice": "", "evidence": "a\x00b", "version": 0})
    assert not form.is_valid()
    assert form.errors["evidence"] == ["Null characters are not allowed."]
    too_long = AnswerForm({"choice": "", "evidence": "x" * 100_000, "version": 0})
    assert not too_long.is_valid() and "characters long" in too_long.errors["evidence"][0]


@pytest.mark.parametrize("char", CONTROLS)
def test_a_control_character_in_a_json_text_field_is_a_400_naming_it(framework, char):
    state = StateFactory(code="NH")
    assessment = AssessmentFactory(lea=LEAFactory(state=state))
    client = Client()
    client.force_login(UserFactory(role=Role.STATE_STAFF, state=state))
    url = f"/api/v1/assessments/{assessment.pk}/answers/BL-01/"
    body = {"rating": 2, "dont_know": False, "evidence": f"a{char}b", "version": 0}
    response = client.put(url, body, content_type="application/json")
    body = assert_error_shape(response, 400, "invalid")
    assert list(body["fields"]) == ["evidence"]
    assert f"control character (U+{ord(char):04X}" in body["message"]
    assert not Answer.objects.filter(assessment=assessment).exists()
