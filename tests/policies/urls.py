"""The project's URLs plus the policy API, until cbe_portal/api_urls.py includes it."""

from django.urls import path

from cbe_portal.urls import urlpatterns as project_urlpatterns
from policies import apis

urlpatterns = [
    path(
        "api/policy-profiles/<str:state_code>/<int:cycle_id>/",
        apis.PolicyProfileDetailApi.as_view(),
        name="api-policy-profile-detail",
    ),
    path(
        "api/leas/<str:leaid>/cycles/<int:cycle_id>/alignment/",
        apis.LeaAlignmentApi.as_view(),
        name="api-lea-alignment",
    ),
    *project_urlpatterns,
]
