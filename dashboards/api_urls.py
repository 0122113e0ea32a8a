"""API routes of the dashboards, to include under /api/v1/ as
`path("dashboards/", include("dashboards.api_urls"))` in cbe_portal/api_urls.py."""

from django.urls import path

import cbe_portal.api  # noqa: F401 - registers the id, state and code path converters

from . import apis

urlpatterns = [
    path("national/", apis.NationalDashboardApi.as_view(), name="api-dashboard-national"),
    path(
        "<state:state_code>/<id:cycle_id>/",
        apis.StateDashboardApi.as_view(),
        name="api-dashboard-state",
    ),
    path(
        "<state:state_code>/<id:cycle_id>/leas/",
        apis.StateDashboardLeasApi.as_view(),
        name="api-dashboard-state-leas",
    ),
]
