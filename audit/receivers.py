"""Sign-in, failed sign-in and sign-out, recorded from Django's auth signals.

django-axes handles the same `user_login_failed` signal first (its app is listed before
this one) and marks the request when the attempt is refused by a lockout, so a refused
attempt is recorded as such rather than as one more wrong password.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from .services import Kind, access_event_record


def _signed_in(sender, request, user, **kwargs):
    if request is not None:
        access_event_record(request=request, kind=Kind.SIGN_IN, user=user)


def _sign_in_failed(sender, credentials, request=None, **kwargs):
    if request is None:
        return  # a script calling authenticate() without a request: nothing to say where
    username = str((credentials or {}).get("username") or "")
    locked = bool(getattr(request, "axes_locked_out", False))
    access_event_record(
        request=request,
        kind=Kind.LOCKED_OUT if locked else Kind.SIGN_IN_FAILED,
        user=None,
        username=username,
    )


def _signed_out(sender, request, user, **kwargs):
    if request is not None and user is not None:
        access_event_record(request=request, kind=Kind.SIGN_OUT, user=user)


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="audit-signed-in")
    user_login_failed.connect(_sign_in_failed, dispatch_uid="audit-sign-in-failed")
    user_logged_out.connect(_signed_out, dispatch_uid="audit-signed-out")
