from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.job_list, name="job_list"),
    path("jobs/<int:job_id>/", views.job_detail, name="job_detail"),
    path("jobs/<int:job_id>/status/", views.job_status, name="job_status"),
    path("jobs/<int:job_id>/download/", views.job_download, name="job_download"),
    path("lea/<str:leaid>/<int:cycle_id>/", views.lea_report_request, name="lea_report_request"),
]
