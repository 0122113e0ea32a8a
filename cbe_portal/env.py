"""Small readers for environment variables that stop start-up on a bad value.

Every error names the variable, so an operator knows what to fix.
"""

import os
from urllib.parse import parse_qsl, urlsplit

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


# The options an object-storage URL may carry after `?`, and the S3Storage option each sets.
_STORAGE_QUERY = {"endpoint_url": "endpoint_url", "region": "region_name"}


def env_storage(name: str) -> dict | None:
    """The file storage for PDFs and uploads from an URL such as
    ``s3://bucket/prefix?endpoint_url=https://objects.example.gov&region=us-east-1``, or None
    for the local media folder. Credentials come from the usual AWS_ACCESS_KEY_ID and
    AWS_SECRET_ACCESS_KEY variables (or the host's role), never from the URL."""
    value = _raw(name)
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme != "s3" or not parts.netloc:
        raise ImproperlyConfigured(f"{name} must look like s3://bucket/prefix, not {value!r}")
    if "@" in parts.netloc:
        raise ImproperlyConfigured(
            f"{name} must not carry credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        )
    options = {
        "bucket_name": parts.netloc,
        "location": parts.path.strip("/"),
        # Objects stay private: every download goes through the portal's scoping check.
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 60,
        "file_overwrite": False,
    }
    for key, raw in parse_qsl(parts.query, keep_blank_values=True):
        if key not in _STORAGE_QUERY:
            known = ", ".join(sorted(_STORAGE_QUERY))
            raise ImproperlyConfigured(f"{name} has an unknown option {key!r} (known: {known})")
        options[_STORAGE_QUERY[key]] = raw
    if "endpoint_url" in options:
        endpoint = urlsplit(options["endpoint_url"])
        if endpoint.scheme not in {"http", "https"} or not endpoint.hostname:
            raise ImproperlyConfigured(f"{name} has an endpoint_url that is not an http(s) URL")
        # Servers other than AWS usually want the bucket in the path, not in the host name.
        options["addressing_style"] = "path"
    from botocore.config import Config

    # Fail within seconds when the store is down: the job's own retries (with Celery's
    # backoff) and the download's 503 take it from there, rather than boto3 waiting.
    options["client_config"] = Config(
        connect_timeout=5, read_timeout=60, retries={"max_attempts": 2, "mode": "standard"}
    )
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


def env_url(name: str, default: str) -> str:
    """An http(s) address without a trailing slash, such as the site's own."""
    value = _raw(name) or default
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ImproperlyConfigured(
            f"{name} must look like https://readiness.example.gov, not {value!r}"
        )
    return value.rstrip("/")


def env_email(url_name: str, host_name: str) -> dict:
    """Django's EMAIL_* settings: from a URL (smtp://user:password@host:587, smtp+tls://,
    smtps://), else from EMAIL_HOST and its companions, else the console backend, which
    prints every email (the default for a newcomer's machine)."""
    url = _raw(url_name)
    if url:
        scheme = urlsplit(url).scheme
        if scheme not in {"smtp", "smtps", "smtp+tls", "smtp+ssl", "consolemail"}:
            raise ImproperlyConfigured(
                f"{url_name} must be an smtp://, smtp+tls://, smtps:// or consolemail:// URL, "
                f"not one starting {scheme or url!r}"
            )
        try:
            config = environ.Env.email_url_config(url)
        except Exception as exc:  # the parser raises several kinds; all mean the same here
            raise ImproperlyConfigured(f"{url_name} is not an email URL: {exc}") from None
        if scheme != "consolemail" and not config.get("EMAIL_HOST"):
            raise ImproperlyConfigured(f"{url_name} names no mail server")
        return {key: value for key, value in config.items() if value not in (None, "")}
    host = env_str(host_name, "")
    if not host:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    use_tls = env_bool("EMAIL_USE_TLS", False)
    use_ssl = env_bool("EMAIL_USE_SSL", False)
    if use_tls and use_ssl:
        raise ImproperlyConfigured("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": host,
        "EMAIL_PORT": env_int("EMAIL_PORT", 465 if use_ssl else 587 if use_tls else 25, minimum=1),
        "EMAIL_HOST_USER": env_str("EMAIL_HOST_USER", ""),
        "EMAIL_HOST_PASSWORD": env_str("EMAIL_HOST_PASSWORD", ""),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
    }


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
