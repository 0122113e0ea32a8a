"""Creating users with their role and place; their API tokens and email choices;
unlocking sign-ins; the accounts single sign-on describes."""

from collections.abc import Collection
from typing import TYPE_CHECKING

from axes.models import AccessAttempt
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from rest_framework.authtoken.models import Token

from directory.models import LEA, State

from .models import NotificationKind, Role, User

if TYPE_CHECKING:
    from .oidc import SsoIdentity


def user_add(
    *,
    username: str,
    password: str,
    role: str,
    state_code: str | None = None,
    leaid: str | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Create a user with a role and the state or LEA the role belongs to."""
    if role not in Role.values:
        raise ValidationError(f"Unknown role {role!r}; use one of {', '.join(Role.values)}.")
    state = lea = None
    if role == Role.DISTRICT_LEADER:
        if not leaid:
            raise ValidationError("A district leader needs --lea with the LEA's 7-digit LEAID.")
        lea = LEA.objects.select_related("state").filter(leaid=leaid).first()
        if lea is None:
            raise ValidationError(f"No LEA with LEAID {leaid}.")
        state = lea.state
    elif role in (Role.STATE_ADMIN, Role.STATE_STAFF, Role.TASK_FORCE):
        if not state_code:
            raise ValidationError(f"A {Role(role).label.lower()} needs --state with a USPS code.")
        state = State.objects.filter(code=state_code.upper()).first()
        if state is None:
            raise ValidationError(f"No state with code {state_code.upper()}.")
    if User.objects.filter(username=username).exists():
        raise ValidationError(f"A user named {username!r} already exists.")
    user = User(
        username=username,
        role=role,
        state=state,
        lea=lea,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=role == Role.NATIONAL_ADMIN,
        is_superuser=role == Role.NATIONAL_ADMIN,
    )
    # The validators of AUTH_PASSWORD_VALIDATORS, as the admin's forms apply them; their
    # own messages say what is wrong ("This password is too common.").
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


def api_token_rotate(*, user: User) -> Token:
    """Give the user a new API token, replacing any they had (which stops working at once).

    The key is only ever shown from the returned row: callers show it once and keep
    nothing of it."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def api_token_revoke(*, user: User) -> bool:
    """Delete the user's API token; False when they had none."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)


def sso_user_sync(*, identity: "SsoIdentity") -> User:
    """Create or update the account a single sign-on describes (accounts.oidc has the rule):
    the provider is the authority on role, state, LEA and name. A new account gets no usable
    password, so it signs in through the provider only."""
    user = User.objects.filter(username=identity.username).first() or User(
        username=identity.username
    )
    if user.pk is None:
        user.set_unusable_password()
    user.email = identity.email
    user.role = identity.role
    user.state = identity.state
    user.lea = identity.lea
    user.first_name = identity.first_name
    user.last_name = identity.last_name
    user.is_staff = user.is_superuser = identity.role == Role.NATIONAL_ADMIN
    user.full_clean(exclude=["password"])
    user.save()
    return user


def notification_preferences_set(*, user: User, kinds_on: Collection[str]) -> list[str]:
    """Keep the kinds of email the user wants (NotificationKind values); every other kind
    is turned off. Returns the kinds now off."""
    unknown = sorted(set(kinds_on) - set(NotificationKind.values))
    if unknown:
        raise ValidationError(f"Unknown kind of email: {', '.join(unknown)}.")
    user.notifications_off = [kind for kind in NotificationKind.values if kind not in kinds_on]
    user.save(update_fields=["notifications_off"])
    return user.notifications_off


def sign_in_attempts_forget(*, attempts: QuerySet[AccessAttempt]) -> int:
    """Unlock: forget these failed sign-in attempts, so the names and addresses they
    counted against may sign in again at once. Returns how many records went."""
    deleted, _ = attempts.delete()
    return deleted
