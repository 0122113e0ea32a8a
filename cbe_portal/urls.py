from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from assessments.views import leas as lea_views
from reports import views as report_views

admin.site.site_header = "CBE Readiness Portal administration"
admin.site.site_title = "CBE Readiness Portal"

urlpatterns = [
    path("", lea_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "leas/<str:leaid>/results/<int:cycle_id>/",
        report_views.lea_results_page,
        name="lea_results",
    ),
    path("", include("assessments.urls")),
    path("policy/", include("policies.urls")),
    path("reports/", include("reports.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("imports/", include("directory.urls")),
    path("api/", include("cbe_portal.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
