"""Reading the access log. Which rows a user may read at all comes from
access.selectors.access_event_list_for_user; this narrows them by the page's filters."""

from datetime import date

from django.db.models import QuerySet

from .models import AccessEvent


def access_event_filter(
    *,
    events: QuerySet[AccessEvent],
    username: str = "",
    kind: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AccessEvent]:
    """Events of one user name (exact, ignoring case), one kind, and days from `since` to
    `until` inclusive in the site's time zone; newest first."""
    if username:
        events = events.filter(username__iexact=username)
    if kind:
        events = events.filter(kind=kind)
    if since is not None:
        events = events.filter(occurred_at__date__gte=since)
    if until is not None:
        events = events.filter(occurred_at__date__lte=until)
    return events.order_by("-occurred_at", "-id")
