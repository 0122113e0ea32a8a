"""The signed-in user's own settings: who they are, the emails they get, their API token;
and single sign-on.

A person only ever sees and changes their own account here, so nothing is looked up
through the scoping module. The token's key is shown once, in the reply to the request
that made it, and that reply is never cached."""

import logging
import math

import requests
from axes.helpers import get_client_username, get_failure_limit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from cbe_portal.api import json_error

from .forms import NotificationPreferencesForm, TokenConfirmForm, TokenShownForm
from .models import NotificationKind
from .oidc import REFUSAL_SESSION_KEY
from .selectors import api_token_get, sign_in_lockout_lifts_at
from .services import api_token_revoke, api_token_rotate, notification_preferences_set

logger = logging.getLogger(__name__)


def _preferences_form(user, data=None) -> NotificationPreferencesForm:
    off = set(user.notifications_off or [])
    kinds_on = [kind for kind in NotificationKind.values if kind not in off]
    return NotificationPreferencesForm(data, initial={"kinds_on": kinds_on})


def _settings(request, *, email_form: NotificationPreferencesForm | None = None, status=200):
    return render(
        request,
        "accounts/settings.html",
        {
            "token": api_token_get(user=request.user),
            "email_form": email_form or _preferences_form(request.user),
        },
        status=status,
    )


@never_cache
@login_required
def settings_page(request):
    return _settings(request)


@never_cache
@login_required
@require_http_methods(["POST"])
def notification_preferences(request):
    form = _preferences_form(request.user, request.POST)
    if not form.is_valid():
        return _settings(request, email_form=form, status=400)
    notification_preferences_set(user=request.user, kinds_on=form.cleaned_data["kinds_on"])
    messages.success(request, "Your email choices are saved.")
    return redirect(reverse("accounts:settings") + "#email")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_rotate(request):
    """Create a token, or replace the current one once the person has confirmed."""
    token = api_token_get(user=request.user)
    if request.method == "GET" and token is None:
        return redirect("accounts:settings")
    form = TokenConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and (token is None or form.is_valid()):
        new = api_token_rotate(user=request.user)
        shown = TokenShownForm(initial={"key": new.key})
        return render(
            request,
            "accounts/token_created.html",
            {"form": shown, "replaced": token is not None},
        )
    return render(
        request, "accounts/token_confirm.html", {"form": form, "token": token, "action": "rotate"}
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request):
    token = api_token_get(user=request.user)
    if token is None:
        messages.info(request, "You have no API token to revoke.")
        return redirect("accounts:settings")
    form = TokenConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        api_token_revoke(user=request.user)
        messages.success(request, "Your API token is revoked. Scripts using it are now refused.")
        return redirect("accounts:settings")
    return render(
        request, "accounts/token_confirm.html", {"form": form, "token": token, "action": "revoke"}
    )


# --- single sign-on (accounts.oidc has the rule that maps claims to an account) -------------


def _sso_enabled() -> None:
    if not settings.OIDC_ENABLED:
        raise Http404("Single sign-on is not turned on.")


@never_cache
def sso_start(request):
    """Send the browser to the agency's sign-in service (state, nonce and PKCE kept in the
    session by mozilla-django-oidc)."""
    _sso_enabled()
    return OIDCAuthenticationRequestView.as_view()(request)


@never_cache
def sso_callback(request):
    """The sign-in service sends the browser back here with a code; a provider that does not
    answer is a refusal with a reason, never a 500."""
    _sso_enabled()
    try:
        response = OIDCAuthenticationCallbackView.as_view()(request)
    except (requests.RequestException, SuspiciousOperation) as exc:
        logger.warning("single sign-on failed: %s", exc)
        request.session[REFUSAL_SESSION_KEY] = (
            "The sign-in service could not confirm who you are just now. Please try again."
        )
        return redirect("accounts:sso_refused")
    return response


@never_cache
def sso_refused(request):
    reason = request.session.pop(REFUSAL_SESSION_KEY, "") or (
        "The sign-in service did not confirm who you are."
    )
    return render(request, "accounts/sso_refused.html", {"reason": reason}, status=403)


class SignInView(auth_views.LoginView):
    """Django's sign-in page, offering single sign-on first when it is turned on."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            sso_enabled=settings.OIDC_ENABLED,
            sso_provider_name=settings.OIDC_PROVIDER_NAME,
            **kwargs,
        )


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """What a sign-in refused by a lockout answers (settings.AXES_LOCKOUT_CALLABLE): 429
    with the time the lockout lifts, as a page, or under /api/ in the API's error shape."""
    username = get_client_username(request, credentials) or ""
    lifts_at = sign_in_lockout_lifts_at(
        username=username, ip_address=getattr(request, "axes_ip_address", None)
    )
    wait = max(0, math.ceil((lifts_at - timezone.now()).total_seconds())) if lifts_at else None
    if request.path.startswith("/api/"):
        when = (
            f"Try again after {lifts_at.isoformat(timespec='seconds')}."
            if lifts_at
            else "An administrator must unlock it."
        )
        response: HttpResponse = json_error(
            429,
            code="locked_out",
            message=f"Too many failed sign-ins for this account. {when}",
        )
    else:
        response = render(
            request,
            "accounts/locked_out.html",
            {
                "username": username,
                "failure_limit": get_failure_limit(request, credentials),
                "lifts_at": timezone.localtime(lifts_at) if lifts_at else None,
                "wait_minutes": math.ceil(wait / 60) if wait is not None else None,
            },
            status=429,
        )
        response["Cache-Control"] = "no-store"
    if wait is not None:
        response["Retry-After"] = str(wait)
    return response
