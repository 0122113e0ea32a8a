"""Sessions read from the cache and written through to the database.

Every signed-in request reads its session; with Django's database sessions that is a
query on every page. Here (Django's `cached_db`) the session is read from the cache and
the database is read only when the cache does not hold it; every write goes to both.

The database stays the record, so the portal keeps working while the cache is down:
a cache that fails to answer is read around, a write or a removal it misses is logged.
So that a sign-out the cache missed cannot outlive the outage by much, each copy in the
cache lasts at most `SESSION_CACHE_SECONDS`, after which it is read again from the
database (where the sign-out did remove it).
"""

import logging
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends import cached_db

logger = logging.getLogger(__name__)


class _ReadAround:
    """The session cache, with its failures logged instead of raised."""

    def __init__(self, cache: Any) -> None:
        self._cache = cache

    def get(self, key: str, default: Any = None) -> Any:
        return self._cache.get(key, default)  # cached_db reads around a failure itself

    def set(self, key: str, value: Any, timeout: int | None = None) -> None:
        seconds = settings.SESSION_CACHE_SECONDS
        try:
            self._cache.set(key, value, seconds if timeout is None else min(timeout, seconds))
        except Exception as exc:  # noqa: BLE001 - read from the database next time
            logger.warning(
                "could not keep a session in the cache (%s: %s)", type(exc).__name__, exc
            )

    def delete(self, key: str) -> None:
        try:
            self._cache.delete(key)
        except Exception as exc:  # noqa: BLE001 - the copy expires within SESSION_CACHE_SECONDS
            logger.warning(
                "could not remove a session from the cache (%s: %s)", type(exc).__name__, exc
            )

    def __contains__(self, key: str) -> bool:
        try:
            return key in self._cache
        except Exception:  # noqa: BLE001 - the database answers instead
            return False


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self._cache = _ReadAround(self._cache)
