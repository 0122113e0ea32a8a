"""API routes of improvement plans, included under /api/v1/."""

from django.urls import path

import cbe_portal.api  # noqa: F401 - registers the id, state and code path converters

from . import apis

base = "leas/<code:leaid>/cycles/<id:cycle_id>/plan/"
urlpatterns = [
    path("plans/", apis.PlanListApi.as_view(), name="api-plan-list"),
    path(base, apis.PlanDetailApi.as_view(), name="api-plan"),
    path(base + "priorities/", apis.PlanPrioritiesApi.as_view(), name="api-plan-priorities"),
    path(base + "submit/", apis.PlanSubmitApi.as_view(), name="api-plan-submit"),
    path(base + "review/", apis.PlanReviewApi.as_view(), name="api-plan-review"),
    path(
        base + "objectives/<id:objective_id>/",
        apis.ObjectiveApi.as_view(),
        name="api-plan-objective",
    ),
    path(
        base + "objectives/<id:objective_id>/tasks/",
        apis.TaskCreateApi.as_view(),
        name="api-plan-task-create",
    ),
    path(
        base + "objectives/<id:objective_id>/comments/",
        apis.CommentCreateApi.as_view(),
        name="api-plan-comment",
    ),
    path(base + "tasks/<id:task_id>/", apis.TaskApi.as_view(), name="api-plan-task"),
    path(base + "tasks/<id:task_id>/notes/", apis.NoteCreateApi.as_view(), name="api-plan-note"),
]
