from django.urls import include, path

from assessments import apis as readiness_apis
from policies import apis as policy_apis

urlpatterns = [
    path("states/", readiness_apis.StateListApi.as_view(), name="api-state-list"),
    path("leas/", readiness_apis.LeaListApi.as_view(), name="api-lea-list"),
    path("leas/<str:leaid>/", readiness_apis.LeaDetailApi.as_view(), name="api-lea-detail"),
    path(
        "leas/<str:leaid>/results/<int:cycle_id>/",
        readiness_apis.LeaResultsApi.as_view(),
        name="api-lea-results",
    ),
    path(
        "leas/<str:leaid>/cycles/<int:cycle_id>/alignment/",
        policy_apis.LeaAlignmentApi.as_view(),
        name="api-lea-alignment",
    ),
    path(
        "policy-profiles/<str:state_code>/<int:cycle_id>/",
        policy_apis.PolicyProfileDetailApi.as_view(),
        name="api-policy-profile-detail",
    ),
    path("dashboards/", include("dashboards.api_urls")),
    path("cycles/", readiness_apis.CycleListApi.as_view(), name="api-cycle-list"),
]
