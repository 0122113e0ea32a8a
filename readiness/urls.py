from django.urls import path

from .views import leas

app_name = "readiness"
urlpatterns = [
    path("leas/", leas.lea_list, name="lea_list"),
    path("leas/<str:leaid>/", leas.lea_detail, name="lea_detail"),
    path("my-district/", leas.my_district, name="my_district"),
    path("how-scores-work/", leas.scoring_explained, name="scoring_explained"),
]
