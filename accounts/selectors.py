"""Reads about the signed-in user's own account, and about sign-in lockouts."""

from datetime import datetime

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max
from rest_framework.authtoken.models import Token

from .models import User


def api_token_get(*, user: User) -> Token | None:
    """The user's API token, or None. (Only its creation time should be shown: the key is
    shown once, when it is made.)"""
    return Token.objects.filter(user=user).first()


def sign_in_lockout_lifts_at(*, username: str, ip_address: str | None) -> datetime | None:
    """When a locked-out sign-in name may try again: the cool-off after its latest failed
    attempt (each attempt during a lockout restarts it), counted over the attempts the
    lockout counts (the name's, or with AXES_LOCKOUT_BY=username_and_ip the name's from
    this address). None when a lockout never lifts by itself (no cool-off)."""
    cool_off = get_cool_off()
    if cool_off is None:
        return None
    attempts = AccessAttempt.objects.filter(username=username)
    if settings.AXES_LOCKOUT_BY == "username_and_ip":
        attempts = attempts.filter(ip_address=ip_address)
    latest = attempts.aggregate(latest=Max("attempt_time"))["latest"]
    return None if latest is None else latest + cool_off
