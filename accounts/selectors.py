"""Reads about the signed-in user's own account."""

from rest_framework.authtoken.models import Token

from .models import User


def api_token_get(*, user: User) -> Token | None:
    """The user's API token, or None. (Only its creation time should be shown: the key is
    shown once, when it is made.)"""
    return Token.objects.filter(user=user).first()
