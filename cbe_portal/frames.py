"""The page around a kept dashboard body, drawn once per viewer and kept in this process.

A dashboard's body (`figures.figures_view`) is the same for every viewer of the same
role and scope, and for a large state it is a few hundred kB. The page around it (the
banner, the user bar, the navigation, the sign-out form) is the viewer's own, and the
same on each of their views of that page. So it is drawn once, with marks where the body
and the sign-out form's CSRF token go, and kept in this process for
`FIGURES_PAGE_SECONDS` under everything it shows: the template and its values, the
address (the navigation marks the current section), and the viewer's name, role, state
and LEA. Each response fills the marks in, with a freshly masked token as
`{% csrf_token %}` gives one. A page with messages to show is drawn in full (showing
them uses them up), and so is every page when keeping is off.
"""

import secrets
import time

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import mark_safe

_BODY_MARK = f"<!--body-{secrets.token_hex(8)}-->"
_TOKEN_MARK = f"token-{secrets.token_hex(8)}"
_KEEP_HERE = 256
_kept: dict[str, tuple[float, str, str]] = {}  # key: (expires at, head, tail)


def page_around(request: HttpRequest, template_name: str, context: dict, body: str) -> HttpResponse:
    """The page `template_name` draws around `body` (its `{{ body }}`)."""
    seconds = settings.FIGURES_PAGE_SECONDS
    if not seconds or len(get_messages(request)):
        head, tail = _drawn(request, template_name, context, token=None)
    else:
        user = request.user
        key = repr(
            (
                template_name,
                sorted(context.items()),
                request.path,
                get_script_prefix(),
                user.pk,
                user.get_username(),
                user.get_full_name(),
                getattr(user, "role", None),
                getattr(user, "state_id", None),
                getattr(user, "lea_id", None),
            )
        )
        now = time.time()
        kept = _kept.get(key)
        if kept is None or kept[0] <= now:
            kept = (now + seconds, *_drawn(request, template_name, context, token=_TOKEN_MARK))
            _kept[key] = kept
            for old in [k for k, (until, _, _) in _kept.items() if until <= now]:
                del _kept[old]
            while len(_kept) > _KEEP_HERE:
                del _kept[next(iter(_kept))]
        _, head, tail = kept
        head, tail = (part.replace(_TOKEN_MARK, get_token(request)) for part in (head, tail))
    return HttpResponse(b"".join((head.encode(), body.encode(), tail.encode())))


def _drawn(
    request: HttpRequest, template_name: str, context: dict, *, token: str | None
) -> tuple[str, str]:
    """The page before and after its body: the body's place is a mark, so the body is not
    copied through every block of the template; `token` stands in for the CSRF token."""
    values = {**context, "body": mark_safe(_BODY_MARK)}  # noqa: S308 - our own mark
    if token is not None:
        values["csrf_token"] = token
    head, tail = render_to_string(template_name, values, request).split(_BODY_MARK, 1)
    return head, tail


def frames_forgotten() -> None:
    """Every kept page frame is drawn afresh on its next use (tests: ids are reused)."""
    _kept.clear()
