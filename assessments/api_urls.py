"""API routes of states, LEAs, cycles and assessments, included under /api/v1/."""

from django.urls import path

from . import apis

urlpatterns = [
    path("states/", apis.StateListApi.as_view(), name="api-state-list"),
    path("leas/", apis.LeaListApi.as_view(), name="api-lea-list"),
    path("leas/<str:leaid>/", apis.LeaDetailApi.as_view(), name="api-lea-detail"),
    path(
        "leas/<str:leaid>/results/<int:cycle_id>/",
        apis.LeaResultsApi.as_view(),
        name="api-lea-results",
    ),
    path("cycles/", apis.CycleListApi.as_view(), name="api-cycle-list"),
]
