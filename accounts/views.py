"""The signed-in user's own settings: who they are, the emails they get, their API token.

A person only ever sees and changes their own account here, so nothing is looked up
through the scoping module. The token's key is shown once, in the reply to the request
that made it, and that reply is never cached."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .forms import NotificationPreferencesForm, TokenConfirmForm, TokenShownForm
from .models import NotificationKind
from .selectors import api_token_get
from .services import api_token_revoke, api_token_rotate, notification_preferences_set


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
