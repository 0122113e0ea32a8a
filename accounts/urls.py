from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("settings/", views.settings_page, name="settings"),
    path("settings/token/", views.token_rotate, name="token_rotate"),
    path("settings/email/", views.notification_preferences, name="notification_preferences"),
    path("settings/token/revoke/", views.token_revoke, name="token_revoke"),
    path("sso/start/", views.sso_start, name="sso_start"),
    path("sso/callback/", views.sso_callback, name="sso_callback"),
    path("sso/refused/", views.sso_refused, name="sso_refused"),
]
