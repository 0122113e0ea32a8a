"""API routes of the framework versions, included under /api/v1/."""

from django.urls import path

from . import apis

urlpatterns = [
    path(
        "frameworks/<slug:code>/<id:version>/",
        apis.FrameworkDetailApi.as_view(),
        name="api-framework-detail",
    ),
]
