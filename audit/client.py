"""Where a request came from: the one rule for the client's IP address, used by the access
log and by django-axes (settings.AXES_CLIENT_IP_CALLABLE), so both name the same address.

Without a proxy in front (TRUSTED_PROXY_COUNT=0, the default) it is REMOTE_ADDR: a header
the client writes itself is never believed. Behind N proxies that each append the address
they were reached from to X-Forwarded-For, the client is the N-th entry from the right;
entries further left were written by the client and may be anything. A request that did
not pass through all N proxies (too few entries) or names no valid address falls back to
REMOTE_ADDR.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

USER_AGENT_LENGTH = 255


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip_address(request: HttpRequest) -> str | None:
    remote = _valid(request.META.get("REMOTE_ADDR", "") or "")
    hops = settings.TRUSTED_PROXY_COUNT
    if not hops:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < hops:
        return remote
    return _valid(forwarded[-hops]) or remote


def client_user_agent(request: HttpRequest) -> str:
    return (request.META.get("HTTP_USER_AGENT", "") or "")[:USER_AGENT_LENGTH]
