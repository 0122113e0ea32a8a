"""The site's own error pages, and the ping."""

import sys

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET
from django.views.defaults import server_error as django_server_error

from .api import DATABASE_DOWN, RETRY_AFTER, json_error
from .middleware import promises_json


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. Django calls it while the exception is still being handled: when the
    database could not be reached (a restart, a failover), the reply is a 503 asking to
    try again shortly, in JSON where JSON was promised; anything else is the 500 page."""
    exc = sys.exc_info()[1]
    if not isinstance(exc, DATABASE_DOWN):
        return django_server_error(request)  # under /api/ cbe_portal.api makes it JSON
    if promises_json(request):
        response: HttpResponse = json_error(503)
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = RETRY_AFTER
    return response


@require_GET
def ping(request: HttpRequest) -> HttpResponse:
    """A reply that touches no database: what the autosave benchmark compares a save
    with (bench/bench_autosave.py), and a liveness check for a load balancer."""
    return HttpResponse("ok", content_type="text/plain")
