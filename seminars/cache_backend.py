"""Django's Redis cache, made optional: while Redis is down, reads miss and writes are dropped.

The cache only saves work here: pages and feeds are keyed on the content version kept in the
database, and nothing relies on a write, delete or clear reaching the cache to stay fresh. So a
Redis that is down, slow or refusing commands should make pages slower, not fail them, as
Django's own backend does by raising. `CACHE_URL=redis://…` selects this backend (settings.py).

After an error the cache is left alone for RETRY_AFTER seconds: an unreachable host then costs
one connect timeout per worker every few seconds rather than two on every request. One warning
is logged when the cache goes down, and one line when it answers again.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER = 5  # seconds


class TolerantRedisCache(RedisCache):
    """RedisCache whose errors are misses (reads) and no-ops (writes), logged once.

    incr() and decr() still raise: a counter cannot be made up, and the site keeps none here.
    """

    def __init__(self, server, params):
        super().__init__(server, params)
        self._retry_at = None  # set while the cache is down: when to try it again

    def get(self, key, default=None, version=None):
        return self._tolerant(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._tolerant({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._tolerant(False, super().has_key, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._tolerant(False, super().add, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._tolerant(None, super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Django's contract: the keys that were not stored.
        return self._tolerant(list(data), super().set_many, data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._tolerant(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._tolerant(False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        self._tolerant(None, super().delete_many, keys, version)

    def clear(self):
        self._tolerant(None, super().clear)

    def _tolerant(self, fallback, operation, *args):
        """`operation(*args)`, or `fallback` while Redis fails."""
        if self._retry_at is not None and time.monotonic() < self._retry_at:
            return fallback
        try:
            result = operation(*args)
        except RedisError as error:
            if self._retry_at is None:
                logger.warning("cache unavailable, serving uncached: %s", error)
            self._retry_at = time.monotonic() + RETRY_AFTER
            return fallback
        if self._retry_at is not None:
            logger.info("cache available again")
            self._retry_at = None
        return result
