"""The gateway's cache of public badge and SBOM responses, honouring the services' headers.

A response is stored only when the service marked it `public` (or gave a max-age) and not
`private`/`no-store`/`no-cache`, and never for a request that carried a token. Entries live in
this worker's memory (bounded, LRU) and, when Redis is configured, in Redis for every replica;
then a worker trusts its memory copy for at most `LOCAL_RECHECK` seconds before reading Redis
again, so an entry deleted from Redis (`conda-badges-purge`) leaves every worker that soon.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

import orjson
from cachetools import LRUCache

from common.lru import peek

log = logging.getLogger(__name__)

REDIS_PREFIX = "conda-badges:response:"
LOCAL_RECHECK = 5.0  # seconds a worker's memory copy is trusted before Redis is read again
KEPT_HEADERS = (
    "Content-Type",
    "Cache-Control",
    "ETag",
    "Content-Disposition",
    "Vary",
    "Last-Modified",
    "Referrer-Policy",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Access-Control-Allow-Origin",
    "Expires",
)


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """A response as stored: status, the headers worth keeping, body, and when it expires."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    stored_at: float
    expires_at: float

    def header(self, name: str) -> str | None:
        """A stored header's value, or None."""
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


class _RedisDown(Exception):
    """Redis could not be read (as opposed to: it has no such entry)."""


def shared_max_age(cache_control: str | None) -> int | None:
    """Seconds a shared cache may keep a response (s-maxage, else max-age), or None if not."""
    if not cache_control:
        return None
    directives = {}
    for part in cache_control.split(","):
        name, _, value = part.strip().partition("=")
        directives[name.lower()] = value.strip('"')
    if {"private", "no-store", "no-cache"} & directives.keys():
        return None
    for name in ("s-maxage", "max-age"):
        if name in directives:
            try:
                seconds = int(directives[name])
            except ValueError:
                return None
            return seconds if seconds > 0 else None
    return None


class ResponseCache:
    """A bounded in-memory LRU of public responses, with an optional Redis layer."""

    def __init__(self, max_entries: int = 4096, redis_url: str = ""):
        self._entries: LRUCache[str, tuple[StoredResponse, float]] = LRUCache(maxsize=max_entries)
        self._lock = threading.Lock()
        self._redis = None
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(redis_url, socket_timeout=0.5)

    def get(self, key: str) -> StoredResponse | None:
        """A fresh stored response for `key`, or None."""
        now = time.time()
        with self._lock:
            found = self._entries.get(key)
            if found is not None and found[1] > now:
                return found[0]
        try:
            entry = self._redis_get(key)
        except _RedisDown:  # the memory copy, while it is fresh, rather than nothing
            return found[0] if found is not None and found[0].expires_at > now else None
        if entry is not None and entry.expires_at > now:
            self._remember(key, entry)
            return entry
        if found is not None:  # gone from Redis (expired, or purged): gone here too
            with self._lock:
                self._entries.pop(key, None)
        return None

    def get_local(self, key: str) -> StoredResponse | None:
        """A fresh response for `key` from this worker's memory only (no Redis round trip)."""
        found = peek(self._entries, key)  # no lock, no LRU bump on this path
        return found[0] if found is not None and found[1] > time.time() else None

    def put(self, key: str, status: int, headers: Mapping[str, str], body: bytes) -> bool:
        """Store the response if its headers allow a shared cache to; True if stored."""
        seconds = shared_max_age(headers.get("Cache-Control"))
        if seconds is None:
            return False
        now = time.time()
        kept = tuple((k, headers[k]) for k in KEPT_HEADERS if k in headers)
        entry = StoredResponse(status, kept, body, now, now + seconds)
        self._remember(key, entry)
        self._redis_put(key, entry, seconds)
        return True

    def _remember(self, key: str, entry: StoredResponse) -> None:
        until = entry.expires_at
        if self._redis is not None:
            until = min(until, time.time() + LOCAL_RECHECK)
        with self._lock:
            self._entries[key] = (entry, until)

    def _redis_get(self, key: str) -> StoredResponse | None:
        if self._redis is None:
            return None
        import redis

        try:
            raw = self._redis.get(REDIS_PREFIX + key)
        except redis.RedisError as error:
            raise _RedisDown from error
        if raw is None:
            return None
        try:  # JSON, not pickle: a value in a shared Redis must not be able to run code
            data = orjson.loads(raw)
            return StoredResponse(
                status=int(data["status"]),
                headers=tuple((str(k), str(v)) for k, v in data["headers"]),
                body=base64.b64decode(data["body"]),
                stored_at=float(data["stored_at"]),
                expires_at=float(data["expires_at"]),
            )
        except (ValueError, KeyError, TypeError):  # foreign or truncated: a miss
            return None

    def _redis_put(self, key: str, entry: StoredResponse, seconds: int) -> None:
        if self._redis is None:
            return
        import redis

        try:
            value = orjson.dumps(
                {
                    "status": entry.status,
                    "headers": entry.headers,
                    "body": base64.b64encode(entry.body).decode(),
                    "stored_at": entry.stored_at,
                    "expires_at": entry.expires_at,
                }
            )
            self._redis.setex(REDIS_PREFIX + key, seconds, value)
        except redis.RedisError as error:
            log.warning("response cache: Redis unavailable (%s)", type(error).__name__)
