from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.job_list, name="job_list"),
    path("jobs/<int:job_id>/", views.job_detail, name="job_detail"),
    path("jobs/<int:job_id>/status/", views.job_status, name="job_status"),
    path("jobs/<int:job_id>/download/", views.job_download, name="job_download"),
    path("jobs/<int:job_id>/retry/", views.job_retry, name="job_retry"),
    path("lea/<str:leaid>/<int:cycle_id>/", views.lea_report_request, name="lea_report_request"),
    path("plan/<str:leaid>/<int:cycle_id>/", views.plan_report_request, name="plan_report_request"),
    path("statewide/", views.state_report_request, name="state_report_request"),
    path("batches/", views.batch_request, name="batch_request"),
    path("batches/<int:batch_id>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:batch_id>/status/", views.batch_status, name="batch_status"),
    path("batches/<int:batch_id>/retry/", views.batch_retry, name="batch_retry"),
    path("batches/<int:batch_id>/zip/", views.batch_zip_request, name="batch_zip_request"),
    path(
        "batches/<int:batch_id>/zip/<int:zip_id>/status/",
        views.batch_zip_status,
        name="batch_zip_status",
    ),
    path(
        "batches/<int:batch_id>/zip/<int:zip_id>/download/",
        views.batch_zip_download,
        name="batch_zip_download",
    ),
]
