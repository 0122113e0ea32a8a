"""Creating users with their role and place; their API tokens; unlocking sign-ins."""

from axes.models import AccessAttempt
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from rest_framework.authtoken.models import Token

from directory.models import LEA, State

from .models import Role, User


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


def sign_in_attempts_forget(*, attempts: QuerySet[AccessAttempt]) -> int:
    """Unlock: forget these failed sign-in attempts, so the names and addresses they
    counted against may sign in again at once. Returns how many records went."""
    deleted, _ = attempts.delete()
    return deleted
