"""API routes of the readiness reports, included under /api/v1/."""

from django.urls import path

from . import apis

urlpatterns = [
    path("reports/", apis.ReportListApi.as_view(), name="api-report-list"),
    path("reports/<int:job_id>/", apis.ReportDetailApi.as_view(), name="api-report-detail"),
    path("reports/<int:job_id>/pdf/", apis.ReportPdfApi.as_view(), name="api-report-pdf"),
]
