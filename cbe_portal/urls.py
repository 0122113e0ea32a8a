from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from accounts import views as account_views
from assessments.views import leas as lea_views
from cbe_portal import api
from cbe_portal import views as site_views
from reports import views as report_views

# A database that cannot be reached is a 503 (cbe_portal.views.server_error), not a 500.
handler500 = "cbe_portal.views.server_error"

admin.site.site_header = "CBE Readiness Portal administration"
admin.site.site_title = "CBE Readiness Portal"

urlpatterns = [
    path("", lea_views.home, name="home"),
    path("ping/", site_views.ping, name="ping"),
    path(
        "accounts/login/",
        account_views.SignInView.as_view(),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path(
        "leas/<str:leaid>/results/<int:cycle_id>/",
        report_views.lea_results_page,
        name="lea_results",
    ),
    path("", include("plans.urls")),
    path("", include("assessments.urls")),
    path("policy/", include("policies.urls")),
    path("reports/", include("reports.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("imports/", include("directory.urls")),
    path("access-log/", include("audit.urls")),
    path("api/v1/", include("cbe_portal.api_urls")),
    # The unversioned API of earlier releases answers 410 with the new address.
    re_path(r"^api/(?!v1/)(?P<rest>.*)$", api.gone, name="api-gone"),
    path("admin/", admin.site.urls),
]
