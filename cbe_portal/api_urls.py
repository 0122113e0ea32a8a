"""The REST API, version 1: each app's routes under /api/v1/, with the schema and its docs.

An app adds endpoints in its own `api_urls.py`; conventions (errors, pagination, throttling,
authentication) live in cbe_portal/api.py and settings.REST_FRAMEWORK."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from cbe_portal.api_schema import SchemaNegotiation

urlpatterns = [
    path("", include("assessments.api_urls")),
    path("", include("policies.api_urls")),
    path("", include("plans.api_urls")),
    path("", include("frameworks.api_urls")),
    path("", include("reports.api_urls")),
    path("dashboards/", include("dashboards.api_urls")),
    path(
        "schema/",
        SpectacularAPIView.as_view(content_negotiation_class=SchemaNegotiation),
        name="api-schema",
    ),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
