"""What the test identity provider says about each of its users: the claims come from a JSON
file named by OIDC_TEST_CLAIMS, {username: {claim: value}}, so each test decides them."""

import json
import os

from oidc_provider.lib.claims import ScopeClaims


def _claims_of(user) -> dict:
    with open(os.environ["OIDC_TEST_CLAIMS"], encoding="utf-8") as file:
        return json.load(file).get(user.username, {})


def userinfo(claims: dict, user) -> dict:
    mine = _claims_of(user)
    for name in ("email", "email_verified", "given_name", "family_name"):
        if name in mine:
            claims[name] = mine[name]
    return claims


class PortalScopeClaims(ScopeClaims):
    info_cbe = ("Portal role", "Your role in the CBE Readiness Portal and your state or LEA.")

    def scope_cbe(self) -> dict:
        mine = _claims_of(self.user)
        return {key: value for key, value in mine.items() if key.startswith("cbe_")}
