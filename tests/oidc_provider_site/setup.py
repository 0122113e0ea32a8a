"""Prepare the test identity provider's database: tables, a signing key, one client, users.

Run as `python -m tests.oidc_provider_site.setup <redirect_uri> <user>...` with the
provider's settings; every user's password is their username twice."""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.oidc_provider_site.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from oidc_provider.models import Client, ResponseType  # noqa: E402

CLIENT_ID = "cbe-portal"
CLIENT_SECRET = "cbe-portal-test-secret"


def main(redirect_uri: str, usernames: list[str]) -> None:
    call_command("migrate", verbosity=0)
    call_command("creatersakey", verbosity=0)
    client = Client.objects.create(
        name="CBE Readiness Portal",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        client_type="confidential",
        jwt_alg="RS256",
        require_consent=False,
    )
    client.redirect_uris = [redirect_uri]
    client.save()
    client.response_types.add(ResponseType.objects.get(value="code"))
    for username in usernames:
        User.objects.create_user(username, password=username * 2)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
