from django.urls import path

from frameworks import views as framework_views

from .views import assessments, cycles, district, leas

app_name = "readiness"
urlpatterns = [
    path("leas/", leas.lea_list, name="lea_list"),
    path("leas/assign/", cycles.lea_bulk_assign, name="lea_bulk_assign"),
    path("leas/<str:leaid>/", leas.lea_detail, name="lea_detail"),
    path(
        "leas/<str:leaid>/cycles/<int:cycle_id>/start/",
        assessments.assessment_start,
        name="assessment_start",
    ),
    path("my-district/", leas.my_district, name="my_district"),
    path("my-district/results/", leas.my_results, name="my_results"),
    path("cycles/", cycles.cycle_list, name="cycle_list"),
    path("cycles/new/", cycles.cycle_setup, name="cycle_setup"),
    path("cycles/<int:pk>/", cycles.cycle_detail, name="cycle_detail"),
    path("cycles/<int:pk>/close/", cycles.cycle_close, name="cycle_close"),
    path("cycles/<int:pk>/workload/", cycles.cycle_workload, name="cycle_workload"),
    path("cycles/<int:pk>/assignments/", cycles.assignment_upload, name="assignment_upload"),
    path("how-scores-work/", framework_views.scoring_explained, name="scoring_explained"),
    path("assessments/<int:pk>/", assessments.assessment_resume, name="assessment"),
    path(
        "assessments/<int:pk>/domains/<slug:domain>/",
        assessments.assessment_domain,
        name="assessment_domain",
    ),
    path(
        "assessments/<int:pk>/answers/<str:code>/",
        assessments.answer_save,
        name="answer_save",
    ),
    path("assessments/<int:pk>/review/", assessments.assessment_review, name="assessment_review"),
    path("assessments/<int:pk>/submit/", assessments.assessment_submit, name="assessment_submit"),
    path("assessments/<int:pk>/decide/", assessments.assessment_decide, name="assessment_decide"),
    path("assessments/<int:pk>/comments/", assessments.comment_add, name="comment_add"),
    path(
        "assessments/<int:pk>/district-view/",
        district.district_view_start,
        name="district_view",
    ),
    path(
        "assessments/<int:pk>/district-view/<slug:domain>/",
        district.district_view_domain,
        name="district_view_domain",
    ),
    path(
        "assessments/<int:pk>/activity/",
        assessments.assessment_activity,
        name="assessment_activity",
    ),
]
