"""Single sign-on with OpenID Connect (mozilla-django-oidc, with PKCE), off unless
OIDC_ENABLED is true.

How a provider's claims become a portal account (the rule the README documents):

- ``email`` is required, and so is ``email_verified`` when the provider sends it; the
  account is the one whose username is that address, lowercased (created on first sign-in).
- the role claim (``OIDC_ROLE_CLAIM``, default ``cbe_role``) names one of the portal's roles:
  ``state_admin``, ``state_staff``, ``task_force``, ``district_leader`` (``national_admin``
  only when ``OIDC_ALLOW_NATIONAL_ADMIN`` is true, so a provider's mistake cannot hand out
  the keys to every state);
- a state role needs the state claim (``OIDC_STATE_CLAIM``, default ``cbe_state``): a USPS
  code of a state in the portal; a district leader needs the LEA claim (``OIDC_LEA_CLAIM``,
  default ``cbe_leaid``): the NCES LEAID of an LEA in the portal;
- the provider is the authority: each sign-in sets role, state, LEA and name from the
  claims. An account the portal has deactivated stays refused, whatever the claims say.

Anything else is refused with a page that says which claim was missing or unknown.
"""

from dataclasses import dataclass

from django.conf import settings
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from directory.models import LEA, State

from .models import Role, User

REFUSAL_SESSION_KEY = "sso_refused"


@dataclass(frozen=True)
class SsoIdentity:
    username: str
    email: str
    role: str
    state: State | None
    lea: LEA | None
    first_name: str
    last_name: str


class SsoRefused(Exception):
    """The claims do not describe a portal account; the message says why, in plain words."""


def _claim(claims: dict, name: str) -> str:
    value = claims.get(name)
    return value.strip() if isinstance(value, str) else ""


def sso_identity_from_claims(claims: dict) -> SsoIdentity:
    """The portal account the claims describe, or SsoRefused naming what is wrong."""
    email = _claim(claims, "email").lower()
    if not email or "@" not in email:
        raise SsoRefused("Your sign-in service did not send an email address.")
    if claims.get("email_verified") is False:
        raise SsoRefused("Your sign-in service has not verified your email address.")
    role_claim = settings.OIDC_ROLE_CLAIM
    role = _claim(claims, role_claim)
    allowed = [r for r in Role.values if r != Role.NATIONAL_ADMIN]
    if settings.OIDC_ALLOW_NATIONAL_ADMIN:
        allowed.append(Role.NATIONAL_ADMIN)
    if not role:
        raise SsoRefused(
            f"Your sign-in service did not say what your role is (claim {role_claim})."
        )
    if role not in allowed:
        raise SsoRefused(
            f"The role {role!r} from your sign-in service (claim {role_claim}) is not one "
            "this portal gives through single sign-on."
        )
    state = lea = None
    if role == Role.DISTRICT_LEADER:
        leaid_claim = settings.OIDC_LEA_CLAIM
        leaid = _claim(claims, leaid_claim)
        if not leaid:
            raise SsoRefused(
                f"A district leader needs an LEA, and your sign-in service sent none "
                f"(claim {leaid_claim})."
            )
        lea = LEA.objects.select_related("state").filter(leaid=leaid).first()
        if lea is None:
            raise SsoRefused(f"No LEA in the portal has the LEAID {leaid} (claim {leaid_claim}).")
        state = lea.state
    elif role != Role.NATIONAL_ADMIN:
        state_claim = settings.OIDC_STATE_CLAIM
        code = _claim(claims, state_claim).upper()
        if not code:
            raise SsoRefused(
                f"A {Role(role).label.lower()} needs a state, and your sign-in service sent "
                f"none (claim {state_claim})."
            )
        state = State.objects.filter(code=code).first()
        if state is None:
            raise SsoRefused(f"No state in the portal has the code {code} (claim {state_claim}).")
    return SsoIdentity(
        username=email,
        email=email,
        role=role,
        state=state,
        lea=lea,
        first_name=_claim(claims, "given_name")[:150],
        last_name=_claim(claims, "family_name")[:150],
    )


class PortalOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's code flow, with our claim rule deciding who gets in."""

    def _refuse(self, reason: str) -> None:
        self.request.session[REFUSAL_SESSION_KEY] = reason

    def verify_claims(self, claims: dict) -> bool:
        try:
            self._identity = sso_identity_from_claims(claims)
        except SsoRefused as refusal:
            self._refuse(str(refusal))
            return False
        existing = User.objects.filter(username=self._identity.username).first()
        if existing is not None and not existing.is_active:
            self._refuse("Your portal account has been turned off. Ask your portal administrator.")
            return False
        return True

    def filter_users_by_claims(self, claims: dict):
        return User.objects.filter(username=self._identity.username)

    def create_user(self, claims: dict) -> User:
        from .services import sso_user_sync

        return sso_user_sync(identity=self._identity)

    def update_user(self, user: User, claims: dict) -> User:
        from .services import sso_user_sync

        return sso_user_sync(identity=self._identity)
