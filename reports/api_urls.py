"""API routes of the readiness reports, included under /api/v1/."""

from django.urls import path

import cbe_portal.api  # noqa: F401 - registers the id, state and code path converters

from . import apis

urlpatterns = [
    path("reports/", apis.ReportListApi.as_view(), name="api-report-list"),
    path("reports/<id:id>/", apis.ReportDetailApi.as_view(), name="api-report-detail"),
    path("reports/<id:id>/pdf/", apis.ReportPdfApi.as_view(), name="api-report-pdf"),
]
