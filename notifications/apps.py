from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Emails that tell people what needs them (see cbe_portal/notices.py for how the
    other apps reach this one)."""

    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Registers the tasks in every process (web and worker alike), so that a task
        # named by cbe_portal.notices is known and runs eagerly when Celery is told to.
        from . import tasks  # noqa: F401
