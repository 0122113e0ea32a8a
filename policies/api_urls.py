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
        "states/<str:state_code>/cycles/<int:cycle_id>/levers/",
        apis.StateLeversApi.as_view(),
        name="api-state-levers",
    ),
    path("policy-profiles/", apis.PolicyProfileListApi.as_view(), name="api-policy-profile-list"),
    path(
        "policy-profiles/<str:state_code>/<int:cycle_id>/",
        apis.PolicyProfileDetailApi.as_view(),
        name="api-policy-profile-detail",
    ),
    path(
        "policy-profiles/<str:state_code>/<int:cycle_id>/levers/<str:lever_code>/",
        apis.PolicyLeverUpdateApi.as_view(),
        name="api-policy-lever",
    ),
]
