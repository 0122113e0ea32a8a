"""Writing the access log: one INSERT per event, and the retention sweep."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone

from .client import client_ip_address, client_user_agent
from .models import DETAIL_LENGTH, METHOD_LENGTH, PATH_LENGTH, USERNAME_LENGTH, AccessEvent

log = logging.getLogger(__name__)

Kind = AccessEvent.Kind


def access_event_record(
    *,
    request: HttpRequest,
    kind: str,
    user: AbstractBaseUser | AnonymousUser | None = None,
    username: str | None = None,
    detail: str = "",
) -> AccessEvent:
    """Record one access by `user` (by default the request's user) or, for a failed
    sign-in, by the name that was typed. Called inside the action's own transaction where
    it has one, so the record and the action are stored together or not at all."""
    if user is None:
        user = getattr(request, "user", None)
    account = user if user is not None and user.is_authenticated else None
    if username is None:
        username = account.get_username() if account is not None else ""
    event = AccessEvent.objects.create(
        kind=kind,
        # The project's User; accounts sits above audit, so it is not imported here.
        user=account,  # type: ignore[misc]
        username=username[:USERNAME_LENGTH],
        ip_address=client_ip_address(request),
        user_agent=client_user_agent(request),
        method=(request.method or "")[:METHOD_LENGTH],
        path=request.path[:PATH_LENGTH],
        detail=detail[:DETAIL_LENGTH],
    )
    log.info(
        "access: %s by %r from %s %s %s",
        kind,
        event.username,
        event.ip_address,
        event.method,
        event.path,
    )
    return event


def access_event_prune(*, now: datetime | None = None) -> int:
    """Delete the events older than ACCESS_LOG_RETENTION_DAYS; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS)
    deleted, _ = AccessEvent.objects.filter(occurred_at__lt=cutoff).delete()
    if deleted:
        log.info("access log: deleted %d events from before %s", deleted, cutoff.isoformat())
    return deleted
