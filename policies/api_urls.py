"""API routes of state policy and alignment, included under /api/v1/."""

from django.urls import path

import cbe_portal.api  # noqa: F401 - registers the id, state and code path converters

from . import apis

urlpatterns = [
    path(
        "leas/<code:leaid>/cycles/<id:cycle_id>/alignment/",
        apis.LeaAlignmentApi.as_view(),
        name="api-lea-alignment",
    ),
    path(
        "states/<state:state_code>/cycles/<id:cycle_id>/levers/",
        apis.StateLeversApi.as_view(),
        name="api-state-levers",
    ),
    path(
        "states/<state:state_code>/policy-simulation/",
        apis.PolicySimulationApi.as_view(),
        name="api-policy-simulation",
    ),
    path("policy-profiles/", apis.PolicyProfileListApi.as_view(), name="api-policy-profile-list"),
    path(
        "policy-profiles/<state:state_code>/<id:cycle_id>/",
        apis.PolicyProfileDetailApi.as_view(),
        name="api-policy-profile-detail",
    ),
    path(
        "policy-profiles/<state:state_code>/<id:cycle_id>/levers/<code:lever_code>/",
        apis.PolicyLeverUpdateApi.as_view(),
        name="api-policy-lever",
    ),
]
