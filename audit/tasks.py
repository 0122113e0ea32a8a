from celery import shared_task

from .services import access_event_prune


@shared_task(name="audit.tasks.access_log_prune")
def access_log_prune() -> int:
    """Delete access events older than ACCESS_LOG_RETENTION_DAYS (daily, from beat)."""
    return access_event_prune()
