"""The signed-in user's own settings: who they are, and their API token.

A person only ever sees and changes their own account here, so nothing is looked up
through the scoping module. The token's key is shown once, in the reply to the request
that made it, and that reply is never cached."""

import math

from axes.helpers import get_client_username, get_failure_limit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cbe_portal.api import json_error

from .forms import TokenConfirmForm, TokenShownForm
from .selectors import api_token_get, sign_in_lockout_lifts_at
from .services import api_token_revoke, api_token_rotate


@never_cache
@login_required
def settings_page(request):
    return render(request, "accounts/settings.html", {"token": api_token_get(user=request.user)})


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
