"""System checks of our own settings, run by `manage.py check --deploy`."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

# The key used when SECRET_KEY is not set; long enough to pass Django's own check.
DEVELOPMENT_SECRET_KEY = "insecure-development-key-set-SECRET_KEY-in-production"  # noqa: S105


@register(Tags.security, deploy=True)
def secret_key_set(app_configs, **kwargs) -> list[Warning]:
    if settings.SECRET_KEY != DEVELOPMENT_SECRET_KEY:
        return []
    return [
        Warning(
            "SECRET_KEY is not set, so the built-in development key signs sessions.",
            hint="Set SECRET_KEY to 50 or more random characters, and "
            "CBE_REQUIRE_SECRET_KEY=true so the site refuses to start without it.",
            id="cbe_portal.W001",
        )
    ]
