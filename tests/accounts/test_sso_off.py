"""Single sign-on is off unless OIDC_ENABLED: no button, and its addresses are 404."""

from django.urls import reverse


def test_without_single_sign_on_the_sign_in_page_offers_only_the_password_form(client, db):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert reverse("accounts:sso_start") not in page.content.decode()
    assert client.get(reverse("accounts:sso_start")).status_code == 404
    assert client.get(reverse("accounts:sso_callback")).status_code == 404


def test_with_single_sign_on_the_sign_in_page_offers_it_first(client, db, settings):
    settings.OIDC_ENABLED = True
    settings.OIDC_PROVIDER_NAME = "your New Hampshire DOE account"
    page = client.get(reverse("login") + "?next=/dashboards/").content.decode()
    assert "Sign in with your New Hampshire DOE account" in page
    assert f"{reverse('accounts:sso_start')}?next=/dashboards/" in page
    assert page.index("Sign in with your New Hampshire") < page.index('name="password"')
