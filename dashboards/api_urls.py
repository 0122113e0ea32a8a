"""API routes of the dashboards, to include under /api/v1/ as
`path("dashboards/", include("dashboards.api_urls"))` in cbe_portal/api_urls.py."""

from django.urls import path

from . import apis

urlpatterns = [
    path("national/", apis.NationalDashboardApi.as_view(), name="api-dashboard-national"),
    path(
        "<str:state_code>/<int:cycle_id>/",
        apis.StateDashboardApi.as_view(),
        name="api-dashboard-state",
    ),
    path(
        "<str:state_code>/<int:cycle_id>/leas/",
        apis.StateDashboardLeasApi.as_view(),
        name="api-dashboard-state-leas",
    ),
]
