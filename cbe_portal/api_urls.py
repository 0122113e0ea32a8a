from django.urls import path

from readiness import apis as readiness_apis

urlpatterns = [
    path("states/", readiness_apis.StateListApi.as_view(), name="api-state-list"),
    path("leas/", readiness_apis.LeaListApi.as_view(), name="api-lea-list"),
    path("leas/<str:leaid>/", readiness_apis.LeaDetailApi.as_view(), name="api-lea-detail"),
    path(
        "leas/<str:leaid>/results/<int:cycle_id>/",
        readiness_apis.LeaResultsApi.as_view(),
        name="api-lea-results",
    ),
    path("cycles/", readiness_apis.CycleListApi.as_view(), name="api-cycle-list"),
]
