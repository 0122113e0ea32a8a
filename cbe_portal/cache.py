"""Django's Redis cache, keeping its client.

Django's Redis cache makes a new client object for every call, around the same pool of
connections. Making it cost about as much as the call itself on a page served from what
it kept (a dashboard viewed again: the session, the kept view, its generations), so this
backend keeps one client per pool. A client only hands commands to its pool, which is
safe to share; each thread has its own cache object (`django.core.cache.caches`) anyway.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _KeptClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[object, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _KeptClient
