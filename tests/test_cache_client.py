"""cbe_portal.cache.RedisCache keeps one Redis client per pool instead of one per call,
and still reads and writes as Django's does. Needs the Redis of REDIS_URL (as under CI)."""

import os
import secrets

import pytest

from cbe_portal.cache import RedisCache

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL), as under CI"
)


def test_one_client_serves_every_call_and_values_round_trip():
    cache = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": f"client-{secrets.token_hex(4)}"})
    first = cache._cache.get_client(write=True)
    cache.set("a", {"figures": [1, 2, 3]}, timeout=30)
    assert cache.get("a") == {"figures": [1, 2, 3]}
    assert cache.get_many(["a", "missing"]) == {"a": {"figures": [1, 2, 3]}}
    cache.delete("a")
    assert cache.get("a") is None
    assert cache._cache.get_client(write=True) is first
    assert cache._cache.get_client(write=False) is first  # one server: one pool
