from django.urls import path

from . import views

app_name = "policies"
urlpatterns = [
    path("", views.profile_home, name="profile_home"),
    path("<str:state_code>/<int:cycle_id>/", views.profile_detail, name="profile_detail"),
    path("<str:state_code>/<int:cycle_id>/edit/", views.profile_edit, name="profile_edit"),
    path("<str:state_code>/<int:cycle_id>/history/", views.profile_history, name="profile_history"),
    path(
        "<str:state_code>/<int:cycle_id>/state-actions/",
        views.profile_state_actions_edit,
        name="profile_state_actions_edit",
    ),
    path("<str:state_code>/<int:cycle_id>/start/", views.profile_start, name="profile_start"),
    path(
        "<str:state_code>/<int:cycle_id>/what-if/",
        views.policy_simulator,
        name="policy_simulator",
    ),
    path(
        "<str:state_code>/<int:cycle_id>/levers/<slug:lever_code>/participation/",
        views.lever_participation,
        name="lever_participation",
    ),
]
