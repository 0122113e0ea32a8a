"""What every endpoint under /api/v1/ shares: one JSON error shape, the schema's list of
error replies, pagination, the write throttle and the reply for the old unversioned /api/.

The error shape is `{"code": ..., "message": ..., "fields": {...}}` whatever raised it:
DRF's exceptions (validation, permission, not found, method, parse, throttle), Django's
404 and 403, a refused CSRF token, or a crash. Views that are not DRF views but promise
JSON (the autosave) opt in with `@json_errors`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import register_converter
from django_filters import rest_framework as filters
from django_filters.rest_framework import BooleanFilter, DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, pagination, serializers, throttling
from rest_framework.response import Response

from .text import control_characters_refuse

log = logging.getLogger(__name__)

API_PREFIX = "/api/"
NO_STORE = "private, no-store"

# Plain words for the statuses, used when whatever refused the request gave none.
MESSAGES = {
    400: "The request could not be read. Check the fields named below.",
    401: "Sign in, or send an API token in the Authorization header (Token <key>).",
    403: "You do not have permission to do this.",
    404: "Nothing was found at this address, or you may not see it.",
    405: "This address does not accept that method.",
    406: "This address answers in JSON only.",
    409: "Someone else changed this in the meantime.",
    410: "This address is gone.",
    413: "The request is too large.",
    415: "Send the body as JSON (Content-Type: application/json).",
    429: "Too many requests. Wait a moment and try again.",
    500: "Something went wrong on our side. The request was not completed; try again later.",
    503: "The portal cannot reach its database for a moment (a restart, say). The request "
    "was not completed; try again in a minute.",
}
CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    410: "gone",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
    503: "unavailable",
}
# Seconds a client is asked to wait after a 503.
RETRY_AFTER = "30"
# The database going away (a restart, a failover) is an outage to wait out, not a bug.
DATABASE_DOWN = (OperationalError, InterfaceError)


# Every text field of every serializer (CharField and its subclasses, declared or made by
# a ModelSerializer) refuses control characters other than tab and line breaks, as the
# schema says (cbe_portal.api_schema.NO_NUL). DRF starts each field's validators from
# this list, then adds its own NUL and surrogate checks.
serializers.CharField.default_validators = [control_characters_refuse]


class ApiError(exceptions.APIException):
    """A refusal with our own code and message, and optional extra top-level keys
    (for example both versions of a conflicting answer)."""

    def __init__(
        self,
        *,
        status: int,
        code: str,
        message: str,
        fields: Mapping[str, list[str]] | None = None,
        extra: Mapping[str, Any] | None = None,
    ):
        super().__init__(detail=message, code=code)
        self.status_code = status
        self.code = code
        self.message = message
        self.fields = dict(fields or {})
        self.extra = dict(extra or {})


def error_body(
    status: int,
    *,
    code: str | None = None,
    message: str | None = None,
    fields: Mapping[str, list[str]] | None = None,
) -> dict[str, Any]:
    return {
        "code": code or CODES.get(status, "error"),
        "message": message or MESSAGES.get(status) or HTTPStatus(status).phrase,
        "fields": dict(fields or {}),
    }


def json_error(status: int, **kwargs: Any) -> JsonResponse:
    extra = kwargs.pop("extra", None) or {}
    response = JsonResponse({**error_body(status, **kwargs), **extra}, status=status)
    response["Cache-Control"] = NO_STORE
    return response


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"field" or "parent.child": [messages]}."""
    if isinstance(detail, Mapping):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, (Mapping, list)) for item in detail):
            return {prefix or "non_field_errors": [str(item) for item in detail]}
        out = {}
        for index, item in enumerate(detail):
            out.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return out
    return {prefix or "non_field_errors": [str(detail)]}


def _validation_body(exc: exceptions.ValidationError) -> dict[str, Any]:
    fields = _flatten(exc.detail)
    general = fields.pop("non_field_errors", None)
    if general and not fields:
        message = " ".join(general)
    elif general:
        message = " ".join(general) + " " + MESSAGES[400]
    elif len(fields) == 1:
        ((name, messages),) = fields.items()
        message = f"{name}: {' '.join(messages)}"
    else:
        message = MESSAGES[400]
    return error_body(400, message=message, fields=fields)


def exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's EXCEPTION_HANDLER: every refusal in the one shape, every crash a JSON 500."""
    if isinstance(exc, ApiError):
        body = error_body(exc.status_code, code=exc.code, message=exc.message, fields=exc.fields)
        return Response({**body, **exc.extra}, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    # Imported here: DRF's views module reads the settings that name this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None and isinstance(exc, DATABASE_DOWN):
        log.error("API request failed: the database is unreachable (%s)", exc)
        return Response(error_body(503), status=503, headers={"Retry-After": RETRY_AFTER})
    if response is None:
        log.exception("API request failed", exc_info=exc)
        return Response(error_body(500), status=500)
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc)
        return response
    assert isinstance(exc, exceptions.APIException)
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else CODES.get(response.status_code)
    detail = exc.detail
    message = str(detail) if isinstance(detail, str) else None
    if isinstance(exc, exceptions.NotFound):
        message = MESSAGES[404]  # never echo what DRF guessed about the lookup
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        message = f"Too many changes in a short time. Try again in {int(exc.wait) + 1} seconds."
    response.data = error_body(response.status_code, code=code, message=message)
    return response


def json_errors(view: Callable) -> Callable:
    """Mark a plain Django view as promising JSON: the middleware below then turns any
    HTML error reply it (or a middleware before it, such as CSRF) gives into the shape."""
    view.json_errors = True  # type: ignore[attr-defined]
    return view


def _wants_json(request: HttpRequest) -> bool:
    if request.path.startswith(API_PREFIX):
        return True
    match = getattr(request, "resolver_match", None)
    return bool(match and getattr(match.func, "json_errors", False))


class ApiResponseMiddleware:
    """Outermost middleware: under /api/ (and for views marked `@json_errors`) no reply is
    ever HTML, and nothing is cached by the browser or a proxy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not _wants_json(request):
            return response
        content_type = response.get("Content-Type", "")
        if response.status_code >= 400 and not content_type.startswith("application/json"):
            retry_after = response.get("Retry-After")
            response = json_error(response.status_code)
            if retry_after:
                response["Retry-After"] = retry_after
        response["Cache-Control"] = NO_STORE
        return response

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not _wants_json(request):
            return None
        if isinstance(exception, Http404):
            return json_error(404)
        if isinstance(exception, DjangoPermissionDenied):
            return json_error(403)
        if isinstance(exception, DATABASE_DOWN):
            log.error("Request failed: the database is unreachable (%s)", exception)
            response = json_error(503)
            response["Retry-After"] = RETRY_AFTER
            return response
        log.exception("Request failed", exc_info=exception)
        return json_error(500)


def gone(request: HttpRequest, rest: str = "") -> JsonResponse:
    """The unversioned /api/ of earlier releases: a clear 410 naming the new address."""
    new = f"/api/v1/{rest}"
    response = json_error(
        410,
        code="gone",
        message=f"The unversioned API has moved to /api/v1/. Use {new} instead.",
    )
    response["Link"] = f'<{new}>; rel="successor-version"'
    return response


def _positive_whole(text: str) -> bool:
    return text.isascii() and text.isdigit() and int(text) > 0


class PageNumberPagination(pagination.PageNumberPagination):
    """Pages of 50 (up to 500 with `page_size`); a page number or size sent twice, one that
    is not a positive whole number, or a size over 500 is a 400 rather than a guess."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        for name in (self.page_query_param, self.page_size_query_param):
            values = request.query_params.getlist(name)
            if len(values) > 1:
                raise exceptions.ValidationError({name: ["Give this parameter once."]})
            if values and not _positive_whole(values[0]):
                raise exceptions.ValidationError({name: ["Give a whole number from 1."]})
        size = request.query_params.get(self.page_size_query_param)
        if size is not None and int(size) > self.max_page_size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"Give at most {self.max_page_size}."]}
            )
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        # The bounds the checks above enforce, so a client (and the fuzz) knows them.
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters

    def get_paginated_response_schema(self, schema):
        body = super().get_paginated_response_schema(schema)
        body["required"] = ["count", "results"]
        return body


class WriteRateThrottle(throttling.UserRateThrottle):
    """Writes (POST, PUT, PATCH, DELETE) per signed-in user; reads are not throttled."""

    scope = "write"

    def get_rate(self):
        # Read each time (not once at import), so a changed setting takes effect.
        from rest_framework.settings import api_settings

        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def allow_request(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().allow_request(request, view)


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, but a boolean filter given anything but `true` or `false`, or a filter
    given twice, is a 400 rather than "no filter" or "the last one wins"
    (a filter that takes several values says so with `multiple=True`, or is a
    `BaseInFilter` taking a comma-separated list)."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            repeated = {
                name: ["Give this filter once."]
                for name, item in filterset.filters.items()
                if len(request.query_params.getlist(name)) > 1
                and not getattr(item.field_class, "multiple", False)
                and not item.extra.get("multiple")
            }
            # django-filter reads any unknown word as "no filter"; here it is a 400.
            not_boolean = {
                name: ["Give true or false."]
                for name, item in filterset.filters.items()
                if isinstance(item, BooleanFilter)
                and any(v not in ("true", "false") for v in request.query_params.getlist(name))
            }
            if repeated or not_boolean:
                raise exceptions.ValidationError({**not_boolean, **repeated})
        return filterset


# --- strict inputs -----------------------------------------------------------------------
# DRF and django-filter are lenient by default ("3" for 3, "yes" for true, junk for a
# boolean filter read as "no filter"). An integrator is better served by a 400 that says
# what to send than by a guess, so the API's inputs use these instead.

# --- filters shared by the apps' FilterSets ------------------------------------------------

ID_MAX = 2**31 - 1  # the largest id every supported database stores


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^[A-Za-z]{2}$",
        "description": "A state's two-letter USPS code, e.g. NH (any case). A state that "
        "does not exist, or that you may not see, gives an empty page.",
    }
)
class StateCodeFilter(django_filters.CharFilter):
    """A state's USPS code: two letters, any case; anything else (an empty value too) is a
    400."""

    field_class = forms.RegexField
    strict_empty = True  # see StrictFilterSet

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("regex", r"^[A-Za-z]{2}\Z")
        kwargs.setdefault("error_messages", {"invalid": "Give a two-letter state code, e.g. NH."})
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return super().filter(qs, value.upper() if value else value)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": ID_MAX})
class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number from 1 ("1.5", "x" or a number past any id is a 400)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


# --- path converters -------------------------------------------------------------------------
#
# Django's `int` and `str` take anything: an id past the database's integers crashes
# SQLite, and a NUL byte crashes PostgreSQL. These match only what can name a row, so
# anything else is a 404 before a query is made. The schema's types for them are in
# settings.SPECTACULAR_SETTINGS["PATH_CONVERTER_OVERRIDES"].


class IdConverter:
    """`<id:name>`: a row id, 1 to ID_MAX."""

    regex = "[0-9]{1,10}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 0 < number <= ID_MAX:
            raise ValueError(value)  # no match: a 404
        return number

    def to_url(self, value: int) -> str:
        return str(value)


class StateCodeConverter:
    """`<state:name>`: a USPS code, two letters in any case."""

    regex = "[A-Za-z]{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class CodeConverter(StateCodeConverter):
    """`<code:name>`: an LEAID or a framework code (lever, indicator): letters, digits,
    "_", "-" and "."."""

    regex = "[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"


register_converter(IdConverter, "id")
register_converter(StateCodeConverter, "state")
register_converter(CodeConverter, "code")


class StrictIntegerField(serializers.IntegerField):
    """A JSON whole number: not "3", not 3.0, not true."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false: not "true", 1 or "yes"."""

    default_error_messages = {"invalid": "Give true or false."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictCharField(serializers.CharField):
    """A JSON string: not a number turned into one."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class _TrueFalseField(forms.Field):
    def to_python(self, value):
        if value is None:
            return None
        if value == "true":
            return True
        if value == "false":
            return False
        raise forms.ValidationError("Give true or false.", code="invalid")


class StrictBooleanFilter(filters.BooleanFilter):
    """A boolean query parameter: `true` or `false` only (anything else is a 400, not
    "no filter")."""

    field_class = _TrueFalseField

    def __init__(self, *args, **kwargs):
        # django-filter's DRF flavour reads the value through a widget that turns anything
        # but true/false into "no value"; read the text as sent instead.
        kwargs["widget"] = forms.TextInput
        super().__init__(*args, **kwargs)


class StrictFilterSet(filters.FilterSet):
    """A parameter given but left empty (`?status=`) is a 400 for every filter except
    free-text ones, whose empty value means "no filter" as it does in a search box."""

    def is_valid(self):
        valid = super().is_valid()
        for name, item in self.filters.items():
            if isinstance(item, filters.CharFilter) and not getattr(item, "strict_empty", False):
                continue
            if name in self.data and self.data.get(name) == "":
                self.form.add_error(name, "Give a value, or leave this parameter out.")
                valid = False
        return valid
