"""API routes of states, LEAs, cycles and assessments, included under /api/v1/.

Ids in routes use the `id` converter of cbe_portal.api (a number too long for the database
finds no route, rather than crashing the driver)."""

from django.urls import path

from . import apis

urlpatterns = [
    path("states/", apis.StateListApi.as_view(), name="api-state-list"),
    path("leas/", apis.LeaListApi.as_view(), name="api-lea-list"),
    path("leas/<code:leaid>/", apis.LeaDetailApi.as_view(), name="api-lea-detail"),
    path(
        "leas/<code:leaid>/results/<id:cycle_id>/",
        apis.LeaResultsApi.as_view(),
        name="api-lea-results",
    ),
    path("cycles/", apis.CycleListApi.as_view(), name="api-cycle-list"),
    path("cycles/<id:cycle_id>/close/", apis.CycleCloseApi.as_view(), name="api-cycle-close"),
    path(
        "cycles/<id:cycle_id>/assignments/",
        apis.CycleAssignmentsApi.as_view(),
        name="api-cycle-assignments",
    ),
    path(
        "cycles/<id:cycle_id>/workload/",
        apis.CycleWorkloadApi.as_view(),
        name="api-cycle-workload",
    ),
    path("assessments/", apis.AssessmentListApi.as_view(), name="api-assessment-list"),
    path("assessments/<id:pk>/", apis.AssessmentDetailApi.as_view(), name="api-assessment-detail"),
    path(
        "assessments/<id:pk>/answers/",
        apis.AnswerListApi.as_view(),
        name="api-assessment-answers",
    ),
    path(
        "assessments/<id:pk>/answers/<code:indicator_code>/",
        apis.AnswerDetailApi.as_view(),
        name="api-assessment-answer",
    ),
    path(
        "assessments/<id:pk>/submit/",
        apis.AssessmentSubmitApi.as_view(),
        name="api-assessment-submit",
    ),
    path(
        "assessments/<id:pk>/return/",
        apis.AssessmentReturnApi.as_view(),
        name="api-assessment-return",
    ),
    path(
        "assessments/<id:pk>/accept/",
        apis.AssessmentAcceptApi.as_view(),
        name="api-assessment-accept",
    ),
    path(
        "assessments/<id:pk>/district-ratings/",
        apis.DistrictRatingListApi.as_view(),
        name="api-district-ratings",
    ),
    path(
        "assessments/<id:pk>/district-ratings/<code:indicator_code>/",
        apis.DistrictRatingDetailApi.as_view(),
        name="api-district-rating",
    ),
    path(
        "assessments/<id:pk>/scores/",
        apis.AssessmentScoresApi.as_view(),
        name="api-assessment-scores",
    ),
]
