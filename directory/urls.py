"""Importing LEAs from NCES files (namespace "imports", mounted at /imports/)."""

from django.urls import path

from .views import imports

app_name = "imports"
urlpatterns = [
    path("", imports.upload, name="upload"),
    path("<int:job_id>/", imports.job_detail, name="job_detail"),
    path("<int:job_id>/confirm/", imports.job_confirm, name="job_confirm"),
    path("<int:job_id>/status/", imports.job_status, name="job_status"),
]
