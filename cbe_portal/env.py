"""Small readers for environment variables that stop start-up on a bad value.

Every error names the variable, so an operator knows what to fix.
"""

import os
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool = False) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_database(name: str, default: dict) -> dict:
    value = _raw(name)
    if not value:
        return default
    scheme = urlsplit(value).scheme
    if scheme not in {"postgres", "postgresql", "sqlite"}:
        raise ImproperlyConfigured(
            f"{name} must be a postgres:// or sqlite:// URL, not one starting {scheme or value!r}"
        )
    try:
        config = environ.Env.db_url_config(value)
    except Exception as exc:  # the parser raises several kinds; all mean the same here
        raise ImproperlyConfigured(f"{name} is not a database URL: {exc}") from None
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} names no database")
    return config


def env_redis(name: str) -> str | None:
    value = _raw(name)
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
        raise ImproperlyConfigured(f"{name} must look like redis://host:6379/0, not {value!r}")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a port that is not a number: {value!r}") from None
    return value


def env_proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """The header a TLS-terminating proxy sets, as Django's SECURE_PROXY_SSL_HEADER: the
    WSGI name (HTTP_X_FORWARDED_PROTO), optionally with the value that means https
    (HTTP_X_FORWARDED_PROTO=https; the default value is https). Off when unset: trusting
    the header when no proxy strips it would let any client claim https."""
    value = _raw(name)
    if not value:
        return None
    header, _, expected = value.partition("=")
    header, expected = header.strip().upper().replace("-", "_"), expected.strip() or "https"
    if not header.startswith("HTTP_") or len(header) == len("HTTP_"):
        raise ImproperlyConfigured(
            f"{name} must name a request header as WSGI does, such as HTTP_X_FORWARDED_PROTO, "
            f"not {value!r}"
        )
    return header, expected
