"""The broker as the job sweeps and requests see it: does it answer, and is it the same
broker that was handed the jobs sent so far?

Only a Redis broker is looked at; for any other (the embedded file-system broker keeps its
messages in files) both answers are the harmless ones.
"""

from __future__ import annotations

import logging
import socket
from typing import Any
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

# Where a sweep keeps, in Redis itself, the run id of the server it last talked to.
RUN_ID_KEY = "cbe:jobs:broker-run-id:{name}"


def _redis_url(app: Any) -> tuple[str, int] | None:
    url = urlsplit(app.conf.broker_url or "")
    if url.scheme not in ("redis", "rediss"):
        return None
    return url.hostname or "127.0.0.1", url.port or 6379


def broker_refuses(*, app: Any) -> bool:
    """True when a Redis broker's port refuses connections (or does not answer in a
    second). redis-py retries a refused connection for about six seconds before kombu
    gives up; one plain TCP connect tells the same at once, so a web request made while
    Redis is down answers at once and leaves its job to the sweep."""
    address = _redis_url(app)
    if address is None:
        return False
    try:
        socket.create_connection(address, 1).close()
    except OSError:
        return True
    return False


def broker_restart_seen(*, app: Any, name: str) -> bool:
    """True the first time the sweep ``name`` talks to a Redis server other than the one
    it saw last: a restart (or a flush) may have lost the messages handed to the old
    one, so the sweep sends its queued jobs again; a job sent twice still runs once.

    Redis gives every start of the server its own run id; the sweep keeps the last one
    it saw in Redis itself, so a server that lost its data has lost that key too. Also
    True on a sweep's very first look. False when the broker is not Redis or cannot be
    asked (the sweep then waits for the next look)."""
    if _redis_url(app) is None or broker_refuses(app=app):
        return False
    try:
        with app.connection_for_write() as connection:
            client = connection.default_channel.client
            run_id = client.info("server")["run_id"]
            previous = client.getset(RUN_ID_KEY.format(name=name), run_id)
    except Exception as exc:  # noqa: BLE001 - the broker is away: nothing to tell yet
        logger.warning("could not ask the broker for its run id: %s", exc)
        return False
    if isinstance(previous, bytes):
        previous = previous.decode()
    return previous != run_id
