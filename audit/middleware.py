"""Refused requests (403) go into the access log, whichever view or API refused them.

404s are not recorded: a page out of a user's scope answers 404 exactly like an address
that does not exist (so it does not reveal what exists), and the two cannot be told apart
here without guessing.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .services import Kind, access_event_record


class RefusalMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 403:
            access_event_record(request=request, kind=Kind.REFUSED, detail="403")
        return response
