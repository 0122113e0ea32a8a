"""Single sign-on with OpenID Connect against a real provider: django-oidc-provider running in
a process of its own on loopback (tests/oidc_provider_site). The portal runs as a live server
and a requests session plays the browser: portal -> provider sign-in -> back with a code ->
the portal exchanges it (PKCE), checks the signed ID token and the claims, and signs in."""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.urls import reverse

from accounts.models import Role, User
from tests.factories import LEAFactory, StateFactory, UserFactory
from tests.storage_server import free_port

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "cbe-portal"
CLIENT_SECRET = "cbe-portal-test-secret"


class IdentityProvider:
    def __init__(self, folder: Path, redirect_uri: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.claims_file = folder / "claims.json"
        self.claims_file.write_text("{}")
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.oidc_provider_site.settings",
            "OIDC_TEST_DB": str(folder / "provider.sqlite3"),
            "OIDC_TEST_CLAIMS": str(self.claims_file),
            "OIDC_TEST_SITE_URL": self.url,
        }
        for name in ("DATABASE_URL", "REDIS_URL"):
            self.env.pop(name, None)
        self.redirect_uri = redirect_uri
        self.log = folder / "provider.log"
        self.process: subprocess.Popen | None = None

    def start(self, usernames: list[str]) -> None:
        subprocess.run(
            [sys.executable, "-m", "tests.oidc_provider_site.setup", self.redirect_uri, *usernames],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.url}/openid/jwks", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"the identity provider did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is not None:  # only ever the process this object started
            self.process.terminate()
            self.process.wait(10)

    def say(self, claims: dict[str, dict]) -> None:
        """What the provider will say about each of its users from now on."""
        self.claims_file.write_text(json.dumps(claims))


USERS = ["staffer", "leader", "nobody", "stranger", "chief", "farleader"]


@pytest.fixture(scope="module")
def provider(live_server, tmp_path_factory):
    idp = IdentityProvider(
        tmp_path_factory.mktemp("idp"), f"{live_server.url}{reverse('accounts:sso_callback')}"
    )
    idp.start(USERS)
    yield idp
    idp.stop()


@pytest.fixture
def sso(settings, provider, live_server, transactional_db):
    settings.OIDC_ENABLED = True
    # The live server speaks plain http, and a real client keeps secure cookies off it.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{provider.url}/openid/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{provider.url}/openid/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{provider.url}/openid/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{provider.url}/openid/jwks"
    settings.OIDC_RP_SCOPES = "openid email profile cbe"
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "accounts.oidc.PortalOIDCBackend",
    ]
    state = StateFactory(code="NH", name="New Hampshire")
    lea = LEAFactory(state=state, leaid="3300001", name="Test Notch School District")
    return {"provider": provider, "state": state, "lea": lea}


def sign_in(live_server, username: str) -> tuple[requests.Session, requests.Response]:
    """Play the browser: start at the portal, sign in at the provider, come back."""
    browser = requests.Session()
    page = browser.get(f"{live_server.url}{reverse('accounts:sso_start')}", timeout=30)
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.text, page.text[:500]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    next_url = re.search(r'name="next" value="([^"]+)"', page.text).group(1)
    back = browser.post(
        page.url,
        data={
            "csrfmiddlewaretoken": token,
            "username": username,
            "password": username * 2,
            "next": next_url.replace("&amp;", "&"),
        },
        timeout=30,
    )
    return browser, back


def test_the_portal_asks_the_provider_for_a_code_with_pkce_and_a_nonce(sso, live_server):
    start = requests.get(
        f"{live_server.url}{reverse('accounts:sso_start')}", allow_redirects=False, timeout=30
    )
    assert start.status_code == 302
    target = urlsplit(start.headers["Location"])
    query = parse_qs(target.query)
    assert (
        f"{target.scheme}://{target.netloc}{target.path}"
        == f"{sso['provider'].url}/openid/authorize"
    )
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["nonce"] and query["state"]
    assert "cbe" in query["scope"][0].split()


def test_a_state_staff_member_signs_in_and_gets_the_role_and_state_the_provider_says(
    sso, live_server
):
    sso["provider"].say(
        {
            "staffer": {
                "email": "Pat.Staff@education.nh.example",
                "email_verified": True,
                "given_name": "Pat",
                "family_name": "Staff",
                "cbe_role": "state_staff",
                "cbe_state": "nh",
            }
        }
    )
    browser, landed = sign_in(live_server, "staffer")
    assert landed.status_code == 200, landed.text[landed.text.find("sso-reason") - 20 :][:400]
    assert any(urlsplit(hop.url).path == reverse("accounts:sso_callback") for hop in landed.history)
    assert urlsplit(landed.url).path not in (reverse("login"), reverse("accounts:sso_refused"))

    user = User.objects.get(username="pat.staff@education.nh.example")
    assert (user.role, user.state, user.lea) == (Role.STATE_STAFF, sso["state"], None)
    assert (user.first_name, user.last_name) == ("Pat", "Staff")
    assert not user.has_usable_password()
    settings_page = browser.get(f"{live_server.url}{reverse('accounts:settings')}", timeout=30)
    assert settings_page.status_code == 200
    assert "pat.staff@education.nh.example" in settings_page.text


def test_a_district_leader_is_tied_to_the_lea_the_provider_names_and_updated_next_time(
    sso, live_server
):
    existing = UserFactory(
        username="lee.leader@notch.example", role=Role.STATE_STAFF, state=sso["state"]
    )
    sso["provider"].say(
        {
            "leader": {
                "email": "lee.leader@notch.example",
                "cbe_role": "district_leader",
                "cbe_leaid": "3300001",
            }
        }
    )
    _, landed = sign_in(live_server, "leader")
    assert landed.status_code == 200, landed.text[landed.text.find("sso-reason") - 20 :][:400]
    existing.refresh_from_db()
    assert (existing.role, existing.lea, existing.state) == (
        Role.DISTRICT_LEADER,
        sso["lea"],
        sso["state"],
    )


@pytest.mark.parametrize(
    "username, claims, reason",
    [
        (
            "nobody",
            {"email": "no.role@nh.example"},
            "did not say what your role is (claim cbe_role)",
        ),
        (
            "stranger",
            {"email": "s@nh.example", "cbe_role": "state_staff", "cbe_state": "ZZ"},
            "No state in the portal has the code ZZ",
        ),
        (
            "chief",
            {"email": "chief@nh.example", "cbe_role": "national_admin"},
            "is not one this portal gives through single sign-on",
        ),
        (
            "farleader",
            {"email": "far@nh.example", "cbe_role": "district_leader", "cbe_leaid": "9999999"},
            "No LEA in the portal has the LEAID 9999999",
        ),
        (
            "staffer",
            {
                "email": "pat@nh.example",
                "email_verified": False,
                "cbe_role": "state_staff",
                "cbe_state": "NH",
            },
            "has not verified your email address",
        ),
    ],
)
def test_claims_that_do_not_make_a_portal_account_are_refused_with_the_reason(
    sso, live_server, username, claims, reason
):
    sso["provider"].say({username: claims})
    browser, landed = sign_in(live_server, username)
    assert landed.status_code == 403
    assert urlsplit(landed.url).path == reverse("accounts:sso_refused")
    assert reason in landed.text
    assert not User.objects.filter(email=claims["email"].lower()).exists()
    home = browser.get(f"{live_server.url}{reverse('home')}", allow_redirects=False, timeout=30)
    assert home.status_code == 302  # not signed in


def test_an_account_the_portal_turned_off_stays_refused(sso, live_server):
    UserFactory(
        username="off@nh.example", role=Role.STATE_STAFF, state=sso["state"], is_active=False
    )
    sso["provider"].say(
        {"staffer": {"email": "off@nh.example", "cbe_role": "state_staff", "cbe_state": "NH"}}
    )
    _, landed = sign_in(live_server, "staffer")
    assert landed.status_code == 403
    assert "has been turned off" in landed.text
    assert not User.objects.get(username="off@nh.example").is_active


def test_a_provider_that_does_not_answer_the_code_exchange_is_a_refusal_not_a_500(
    sso, live_server, settings
):
    sso["provider"].say(
        {"staffer": {"email": "pat@nh.example", "cbe_role": "state_staff", "cbe_state": "NH"}}
    )
    settings.OIDC_OP_TOKEN_ENDPOINT = f"http://127.0.0.1:{free_port()}/token"  # nothing there
    _, landed = sign_in(live_server, "staffer")
    assert landed.status_code == 403
    assert "could not confirm who you are" in landed.text
