"""The OpenAPI schema of /api/v1/: every operation lists the error replies it can give, in
the one shape of cbe_portal.api. (A module of its own: drf-spectacular imports DRF's views,
which read the settings that name cbe_portal.api.)"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation

from cbe_portal.api import MESSAGES


class ErrorSerializer(serializers.Serializer):
    class Meta:
        ref_name = "Error"

    code = serializers.CharField(help_text="A stable, machine-readable reason.")
    message = serializers.CharField(help_text="What went wrong, in plain words.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per input field, when the input was refused.",
    )


READ_ERRORS = (400, 401, 403, 404, 406, 500, 503)
WRITE_ERRORS = (400, 401, 403, 404, 406, 415, 429, 500, 503)


class ApiSchema(AutoSchema):
    """The schema names every error reply an operation can give, in the one shape."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = READ_ERRORS if self.method in ("GET", "HEAD", "OPTIONS") else WRITE_ERRORS
        for status in codes:
            key = str(status)
            if key not in responses:
                # Errors are JSON whatever the operation answers with (a PDF, say).
                responses[key] = self._get_response_for_code(
                    ErrorSerializer, key, media_types=["application/json"]
                )
                responses[key]["description"] = MESSAGES[status]
        return responses

    def _get_request_for_media_type(self, serializer, direction="request"):
        schema, required = super()._get_request_for_media_type(serializer, direction)
        # A body that is one of several shapes (a oneOf) is as required as each of them;
        # drf-spectacular cannot tell from the oneOf, so every such body is required here.
        if isinstance(serializer, PolymorphicProxySerializer):
            required = True
        return schema, required


# Every text input refuses a control character other than tab and line breaks (NUL cannot
# even be stored in PostgreSQL; cbe_portal.middleware.ControlCharacterMiddleware refuses
# them all with a 400), so the schema says so: a client, and the fuzz, then know that such
# a string is not one the API takes.
NO_NUL = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"


def _forbid_nul(schema: dict, components: dict, seen: set[str]) -> None:
    ref = schema.get("$ref")
    if ref:
        name = ref.rpartition("/")[2]
        if name not in seen:
            seen.add(name)
            _forbid_nul(components.get(name, {}), components, seen)
        return
    if schema.get("type") == "string" and not ({"enum", "pattern", "format"} & set(schema)):
        schema["pattern"] = NO_NUL
    for key in ("oneOf", "anyOf", "allOf"):
        for part in schema.get(key, []):
            _forbid_nul(part, components, seen)
    for part in schema.get("properties", {}).values():
        _forbid_nul(part, components, seen)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            _forbid_nul(schema[key], components, seen)


def postprocess_text_inputs(result, generator, request, public):
    """drf-spectacular hook: the control-character rule above on every request body, query
    parameter and path parameter."""
    components = result.get("components", {}).get("schemas", {})
    seen: set[str] = set()
    for item in result.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") in ("query", "path"):
                    _forbid_nul(parameter.get("schema", {}), components, seen)
            for content in operation.get("requestBody", {}).get("content", {}).values():
                _forbid_nul(content.get("schema", {}), components, seen)
    return result


class SchemaNegotiation(DefaultContentNegotiation):
    """The schema download still honours `?format=json` (or yaml), although the API as a
    whole takes no `?format=` (settings: URL_FORMAT_OVERRIDE is None)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        wanted = format_suffix or request.query_params.get("format")
        return super().select_renderer(request, renderers, wanted)
