"""Email settings read from the environment: a URL or separate variables, the console
by default, and a clear refusal naming the variable when a value is wrong."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from cbe_portal.env import env_email, env_url


def test_without_a_mail_server_emails_go_to_the_console(monkeypatch):
    monkeypatch.delenv("EMAIL_URL", raising=False)
    monkeypatch.delenv("EMAIL_HOST", raising=False)
    assert env_email("EMAIL_URL", "EMAIL_HOST") == {
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"
    }


def test_an_email_url_gives_server_port_account_and_tls(monkeypatch):
    monkeypatch.setenv("EMAIL_URL", "smtp+tls://portal:s3cret@mail.example.gov:587")
    config = env_email("EMAIL_URL", "EMAIL_HOST")
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (config["EMAIL_HOST"], config["EMAIL_PORT"]) == ("mail.example.gov", 587)
    assert (config["EMAIL_HOST_USER"], config["EMAIL_HOST_PASSWORD"]) == ("portal", "s3cret")
    assert config["EMAIL_USE_TLS"] is True


def test_separate_variables_work_when_there_is_no_url(monkeypatch):
    monkeypatch.delenv("EMAIL_URL", raising=False)
    monkeypatch.setenv("EMAIL_HOST", "mail.example.gov")
    monkeypatch.setenv("EMAIL_USE_TLS", "true")
    monkeypatch.setenv("EMAIL_HOST_USER", "portal")
    config = env_email("EMAIL_URL", "EMAIL_HOST")
    assert config["EMAIL_PORT"] == 587 and config["EMAIL_USE_TLS"] is True
    assert config["EMAIL_HOST_USER"] == "portal"


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"EMAIL_URL": "http://mail.example.gov"}, "EMAIL_URL must be an smtp://"),
        ({"EMAIL_URL": "smtp://"}, "EMAIL_URL names no mail server"),
        (
            {"EMAIL_HOST": "mail.example.gov", "EMAIL_PORT": "twenty-five"},
            "EMAIL_PORT must be a whole number",
        ),
        (
            {"EMAIL_HOST": "mail.example.gov", "EMAIL_USE_TLS": "yes", "EMAIL_USE_SSL": "yes"},
            "Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both",
        ),
    ],
)
def test_a_bad_email_setting_stops_start_up_naming_the_variable(monkeypatch, variables, message):
    for name in ("EMAIL_URL", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_USE_SSL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        env_email("EMAIL_URL", "EMAIL_HOST")


def test_the_site_url_loses_its_trailing_slash_and_must_be_a_web_address(monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://readiness.example.gov/")
    assert env_url("SITE_URL", "http://127.0.0.1:8000") == "https://readiness.example.gov"
    monkeypatch.delenv("SITE_URL")
    assert env_url("SITE_URL", "http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    monkeypatch.setenv("SITE_URL", "readiness.example.gov")
    with pytest.raises(ImproperlyConfigured, match="SITE_URL must look like https://"):
        env_url("SITE_URL", "http://127.0.0.1:8000")
