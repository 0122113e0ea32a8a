from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The access log a security office reads: who signed in, failed to, downloaded or
    exported what, and who was refused, with when, from where and with what browser."""

    name = "audit"
    verbose_name = "Access log"

    def ready(self) -> None:
        # Sign-in, failed sign-in and sign-out are recorded from Django's own auth signals:
        # they are sent by every way of signing in (the sign-in page, the admin's), so no
        # view has to remember to record them.
        from . import receivers

        receivers.connect()
