"""Middleware of the whole site: refusing control characters before anything reads them,
ending idle sessions, and keeping signed-in pages out of every cache."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve

from .api import API_PREFIX, NO_STORE, json_error
from .text import control_character, control_character_message


def promises_json(request: HttpRequest) -> bool:
    """Whether the request's address answers in JSON (the API, the autosave), judged
    from the address alone: for middleware that answers before the view is resolved."""
    if request.path.startswith(API_PREFIX):
        return True
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return bool(getattr(match.func, "json_errors", False))


def _reads_own_body(request: HttpRequest) -> bool:
    """A view exempt from the CSRF middleware's reading of the form reads its body itself:
    the CCD upload sets its own upload handlers (the file streamed, its size limit enforced
    while reading) before it reads a byte, then checks CSRF. Its form's fields refuse a NUL
    as every Django form field does."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return bool(getattr(match.func, "csrf_exempt", False))


class ControlCharacterMiddleware:
    """Refuse, with a 400 that names the field, any request with a control character in
    its address, query string, form fields (names and values), cookies or Authorization
    header, before any other code (sessions, sign-in throttling, a view)
    can pass it on to the database. JSON endpoints answer in the API's error shape."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = self._find(request)
        if found is None:
            return self.get_response(request)
        name, char = found
        message = control_character_message(name, char)
        if promises_json(request):
            return json_error(400, message=message, fields={name: [message]})
        html = render_to_string("400.html", {"message": message}, request=None)
        return HttpResponseBadRequest(html)

    def _find(self, request: HttpRequest) -> tuple[str, str] | None:
        for name, text in self._texts(request):
            char = control_character(text)
            if char is not None:
                return name, char
        return None

    def _texts(self, request: HttpRequest) -> Iterator[tuple[str, str]]:
        yield "The address", request.path_info
        yield "The Authorization header", request.META.get("HTTP_AUTHORIZATION", "")
        for key, value in request.COOKIES.items():
            yield f"The cookie {key!r}", key + value
        for key, values in request.GET.lists():
            yield key, key
            for value in values:
                yield key, value
        if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
            return
        content_type = request.content_type or ""
        # The API reads JSON only and answers a form with a 415; parsing the form here
        # would use up the body before it can tell.
        is_form = content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
        if is_form and not request.path.startswith(API_PREFIX) and not _reads_own_body(request):
            for key, values in request.POST.lists():
                yield key, key
                for value in values:
                    yield key, value
        # A JSON body is checked field by field by the API's serializers (see
        # cbe_portal.api: every CharField refuses control characters), so keys the
        # endpoint does not read are ignored, as the schema allows.


class IdleTimeoutMiddleware:
    """Sign out a session that made no request for SESSION_IDLE_TIMEOUT seconds, with a
    message the sign-in page shows. Every signed-in request counts as activity, autosave
    included; the time is written at most once a minute, not on every request."""

    SESSION_KEY = "cbe_last_activity"
    WRITE_EVERY = 60

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timeout = settings.SESSION_IDLE_TIMEOUT
        if timeout and request.user.is_authenticated:
            now = time.time()
            last = request.session.get(self.SESSION_KEY)
            if isinstance(last, (int, float)) and now - last > timeout:
                logout(request)
                minutes = max(1, round(timeout / 60))
                messages.info(
                    request,
                    f"You were signed out after {minutes} minutes without activity. "
                    "Sign in again to continue.",
                )
            elif not isinstance(last, (int, float)) or now - last >= self.WRITE_EVERY:
                request.session[self.SESSION_KEY] = now
        return self.get_response(request)


class PrivateCacheMiddleware:
    """`Cache-Control: private, no-store` on every reply to a signed-in user (pages, PDFs,
    CSVs): nothing a person was shown stays in a shared cache or on a shared computer's
    disk. The API's replies get the same from cbe_portal.api; static files never reach
    this middleware (WhiteNoise answers them first)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        was_signed_in = request.user.is_authenticated
        response = self.get_response(request)
        if was_signed_in or request.user.is_authenticated:
            response["Cache-Control"] = NO_STORE
        return response
