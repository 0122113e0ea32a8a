from django.urls import path

from . import views

app_name = "readiness"
urlpatterns = [
    path("leas/", views.lea_list, name="lea_list"),
    path("leas/<str:leaid>/", views.lea_detail, name="lea_detail"),
    path("my-district/", views.my_district, name="my_district"),
    path("how-scores-work/", views.scoring_explained, name="scoring_explained"),
]
