from django.urls import path, register_converter

from . import views


class StateCodeConverter:
    """A two-letter USPS state code, so "national" never reads as a state."""

    regex = "[A-Za-z]{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(StateCodeConverter, "dashboard_state")

app_name = "dashboards"
urlpatterns = [
    path("", views.dashboard_home, name="home"),
    path("national/", views.national, name="national"),
    path("national/export/<slug:table>.csv", views.national_export, name="national_export"),
    path("<dashboard_state:state_code>/", views.state_latest, name="state_latest"),
    path("<dashboard_state:state_code>/<int:cycle_id>/", views.state_dashboard, name="state"),
    path(
        "<dashboard_state:state_code>/<int:cycle_id>/plans/",
        views.state_plans,
        name="state_plans",
    ),
    path(
        "<dashboard_state:state_code>/<int:cycle_id>/plans.csv",
        views.state_plans_export,
        name="state_plans_export",
    ),
    path(
        "<dashboard_state:state_code>/<int:cycle_id>/export/<slug:table>.csv",
        views.state_export,
        name="state_export",
    ),
]
