"""API routes of state policy and alignment, included under /api/v1/."""

from django.urls import path

from . import apis

urlpatterns = [
    path(
        "leas/<str:leaid>/cycles/<int:cycle_id>/alignment/",
        apis.LeaAlignmentApi.as_view(),
        name="api-lea-alignment",
    ),
    path(
        "states/<str:state_code>/policy-simulation/",
        apis.PolicySimulationApi.as_view(),
        name="api-policy-simulation",
    ),
    path(
        "policy-profiles/<str:state_code>/<int:cycle_id>/",
        apis.PolicyProfileDetailApi.as_view(),
        name="api-policy-profile-detail",
    ),
]
