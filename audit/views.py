"""The access log, for national administrators: a filtered, paginated page and its CSV.

Who may read it comes from access.selectors (anyone else gets 403, like the import page
of a role that may not import)."""

from datetime import UTC

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from access.selectors import access_event_list_for_user, user_can_read_access_log
from cbe_portal.csv_download import csv_response

from .forms import AccessLogFilterForm
from .selectors import access_event_filter
from .services import Kind, access_event_record

EVENTS_PER_PAGE = 50
CSV_HEADER = [
    "When (UTC)",
    "What happened",
    "User name",
    "IP address",
    "Browser (user agent)",
    "Method",
    "Address",
    "Detail",
]


def _allowed(request) -> None:
    if not user_can_read_access_log(user=request.user):
        raise PermissionDenied("Only national administrators read the access log.")


def _events(request, form: AccessLogFilterForm):
    return access_event_filter(
        events=access_event_list_for_user(user=request.user), **form.filters()
    )


@login_required
def access_log(request):
    _allowed(request)
    form = AccessLogFilterForm(request.GET or None)
    invalid = form.is_bound and not form.is_valid()
    events = _events(request, form)
    if invalid:
        events = events.none()
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/access_log.html",
        {
            "form": form,
            "page_obj": page,
            "events": page.object_list,
            "page_range": page.paginator.get_elided_page_range(
                page.number, on_each_side=1, on_ends=1
            ),
            "querystring_without_page": query.urlencode(),
            "filtered": bool(form.filters()),
            "invalid": invalid,
            "retention_days": settings.ACCESS_LOG_RETENTION_DAYS,
        },
        status=400 if invalid else 200,
    )


@login_required
def access_log_export(request):
    """The filtered log as CSV, every matching row (not just one page), newest first."""
    _allowed(request)
    form = AccessLogFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        # The page shows what is wrong with each filter.
        return redirect(f"{reverse('audit:log')}?{request.GET.urlencode()}")
    events = _events(request, form)
    access_event_record(request=request, kind=Kind.CSV_EXPORT, detail="access log")
    rows = (
        [
            event.occurred_at.astimezone(UTC).isoformat(timespec="seconds"),
            event.get_kind_display(),
            event.username,
            event.ip_address or "",
            event.user_agent,
            event.method,
            event.path,
            event.detail,
        ]
        for event in events.iterator(chunk_size=2000)
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return csv_response(f"access-log-{stamp}.csv", CSV_HEADER, rows)
