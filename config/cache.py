"""The shared cache fails open: an outage of Redis slows the site down, never breaks it.

Everything Tessera keeps in the cache can be recomputed or done without (the catalog's
version, throttle counts, delivery counts), so a read that cannot reach Redis answers a miss
and a write is dropped, each logged; requests go on being served from the database.
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError, TimeoutError

logger = logging.getLogger(__name__)
OUTAGE = (ConnectionError, TimeoutError)


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache, answering misses while Redis cannot be reached."""

    def _outage(self, operation, exc):
        logger.warning("cache unavailable, %s skipped: %s", operation, exc)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except OUTAGE as exc:
            self._outage("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except OUTAGE as exc:
            self._outage("get_many", exc)
            return {}

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except OUTAGE as exc:
            self._outage("add", exc)
            return False

    def set(self, key, value, timeout=None, version=None):
        try:
            super().set(key, value, timeout, version)
        except OUTAGE as exc:
            self._outage("set", exc)

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except OUTAGE as exc:
            self._outage("set_many", exc)
            return list(data)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except OUTAGE as exc:
            # A counter that cannot be read counts from nothing (a first delivery, a first
            # request): failing open, like a miss.
            self._outage("incr", exc)
            return delta

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except OUTAGE as exc:
            self._outage("delete", exc)
            return False
