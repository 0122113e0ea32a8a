"""Importing LEAs from NCES files (namespace "imports", mounted at /imports/)."""

from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("<int:job_id>/", views.job_detail, name="job_detail"),
    path("<int:job_id>/confirm/", views.job_confirm, name="job_confirm"),
    path("<int:job_id>/close/", views.job_close, name="job_close"),
    path("<int:job_id>/cancel/", views.job_cancel, name="job_cancel"),
    path("<int:job_id>/status/", views.job_status, name="job_status"),
]
