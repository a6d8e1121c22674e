"""Fetching upstream JSON through the HTTP cache, parsing each document once per change.

Order of look-ups for one document: this worker's memory (parsed, fresh for the channel's TTL);
then, under a per-key lock shared by every worker (and every replica with Redis), the HTTP cache
(requests-cache) and only then the upstream. While one request refreshes an expired document,
the others are answered with the previous version at once instead of queueing behind it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from typing import TypeVar

import orjson
import redis
import requests
from cachetools import FIFOCache
from flask import g
from flask import has_request_context

from common import upstream_budget
from common.errors import UpstreamError
from common.errors import UpstreamInvalid
from common.observability import CACHE
from common.observability import UPSTREAM_FETCHES
from common.settings import Settings
from common.upstream_auth import DEFAULT_SCHEME
from common.upstream_auth import authorization
from gateway.breaker import Breakers
from gateway.http_cache import UpstreamContentError
from gateway.http_cache import UpstreamDocumentError
from gateway.http_cache import make_direct_session
from gateway.http_cache import make_file_session
from gateway.http_cache import make_session
from gateway.locks import FileLocks
from gateway.locks import RedisLocks

log = logging.getLogger(__name__)
T = TypeVar("T")

_SEVERITY = {"hit": 0, "miss": 1, "stale": 2}


# parsed documents kept per worker: enough for every configured channel, bounded for the
# fallback upstream, where any channel name may be asked for
MAX_PARSED_DOCUMENTS = 4096


class UpstreamMissing(Exception):
    """The upstream answered 404 for a document (the caller decides what that means)."""


class UndecodableDocument(ValueError):
    """A `decode` function's complaint about bytes it cannot read (kept out of the cache)."""


@dataclass
class _Parsed:
    fingerprint: str
    value: Any
    checked_at: float
    fetched_at: float
    stale: bool = False
    size: int = 0  # about how many bytes the parsed value takes


@dataclass
class FetchStats:
    """Counters for tests and benchmarks: network fetches, parses, stale answers, memory hits."""

    fetches: int = 0
    parses: int = 0
    stale: int = 0
    memory_hits: int = 0


def _note_cache(result: str) -> None:
    """Record the worst cache result of this request (for its log line) and count it."""
    CACHE.labels("upstream", result).inc()
    if has_request_context():
        current = getattr(g, "cache_status", None)
        if current is None or _SEVERITY[result] > _SEVERITY.get(current, 0):
            g.cache_status = result


class UpstreamFetcher:
    """Gets upstream JSON documents: memory first, then the shared HTTP cache, then upstream."""

    def __init__(self, settings: Settings, session_factory: Callable = make_session):
        self.settings = settings
        self.breakers = Breakers(settings.breaker_failures, settings.breaker_reset)
        self._session_factory = session_factory
        self._session = None
        self._file_session = make_file_session()
        self._direct_session = make_direct_session(self.breakers)
        self._session_lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        # parsed documents, oldest stored first out (a read does not renew one)
        self._parsed: FIFOCache[str, _Parsed] = FIFOCache(maxsize=MAX_PARSED_DOCUMENTS)
        self._shared_locks = None
        self.stats = FetchStats()

    @property
    def session(self):
        """The cached session, opened lazily in the worker process that uses it."""
        if self._session is None:
            with self._session_lock:
                if self._session is None:
                    self._session = self._session_factory(self.settings, self.breakers)
        return self._session

    @property
    def shared_locks(self):
        """Locks shared across processes: Redis when the cache is Redis, else files."""
        if self._shared_locks is None:
            if self.settings.cache_redis_url:
                self._shared_locks = RedisLocks(self.settings.cache_redis_url)
            else:
                self._shared_locks = FileLocks(self.settings.state_dir / "locks")
        return self._shared_locks

    def _lock_for(self, key: str) -> threading.Lock:
        with self._locks_guard:
            lock = self._locks.get(key)
            if lock is None:
                if len(self._locks) >= MAX_PARSED_DOCUMENTS:
                    # forget locks nobody holds (bounded state for any number of URLs)
                    for other in [k for k, v in self._locks.items() if not v.locked()]:
                        del self._locks[other]
                lock = self._locks[key] = threading.Lock()
            return lock

    def _remember(self, url: str, entry: _Parsed) -> None:
        with self._locks_guard:
            self._parsed[url] = entry

    def _parsed_entry(self, url: str) -> _Parsed | None:
        with self._locks_guard:  # cachetools' caches are not thread-safe
            return self._parsed.get(url)

    def forget(self, url_prefix: str) -> None:
        """Drop parsed documents whose URL starts with `url_prefix` (bounded fallback state)."""
        with self._locks_guard:
            for url in [u for u in self._parsed if u.startswith(url_prefix)]:
                del self._parsed[url]

    def document_count(self) -> int:
        """How many parsed documents this worker keeps."""
        return len(self._parsed)

    def bytes_under(self, url_prefix: str) -> int:
        """About how much memory the parsed documents under `url_prefix` take."""
        with self._locks_guard:
            return sum(e.size for u, e in self._parsed.items() if u.startswith(url_prefix))

    def get_immutable(self, url: str, *, channel: str, credential: str = "") -> bytes:
        """The bytes at `url`, uncached (for content-addressed files the caller stores itself).

        Raises UpstreamMissing on 404 and UpstreamError when the upstream fails.
        """
        headers = authorization(credential)
        session = self._file_session if url.startswith("file:") else self._direct_session
        if not url.startswith("file:"):
            upstream_budget.spend()
        try:
            response = session.get(url, headers=headers, timeout=self.settings.upstream_timeout)
        except (requests.RequestException, OSError) as error:
            UPSTREAM_FETCHES.labels(channel, "error").inc()
            log.warning("upstream for channel %s failed: %s", channel, _describe(error))
            raise UpstreamError(
                f"the upstream of channel {channel!r} is unavailable",
                details={"channel": channel},
            ) from None
        self.stats.fetches += 1
        UPSTREAM_FETCHES.labels(channel, "network").inc()
        if response.status_code == 404:
            raise UpstreamMissing(url)
        if response.status_code != 200:
            raise UpstreamError(
                f"the upstream of channel {channel!r} answered {response.status_code}",
                details={"channel": channel},
            )
        return response.content

    def get(
        self,
        url: str,
        *,
        ttl: int,
        channel: str,
        parse: Callable[[dict], T],
        credential: str = "",
        auth_scheme: str = DEFAULT_SCHEME,
        decode: Callable[[bytes], Any] | None = None,
    ) -> tuple[T, bool]:
        """Return (parsed document, stale?) for `url`; parse only when its content changed.

        `decode` turns the body into the document `parse` gets (JSON by default); it raises
        UndecodableDocument for bytes it cannot read. Raises UpstreamMissing on 404,
        UpstreamError/UpstreamInvalid when nothing usable is cached. Error messages name the
        channel, never the upstream URL or credential.
        """
        entry = self._fresh(url, ttl)
        if entry is not None:
            self.stats.memory_hits += 1
            _note_cache("stale" if entry.stale else "hit")
            return self._value(entry)
        lock = self._lock_for(url)
        previous = self._parsed_entry(url)
        if previous is not None and not lock.acquire(blocking=False):
            # another thread is refreshing this document: answer with what we have
            _note_cache("stale")
            return self._value(previous)
        if previous is None:
            lock.acquire()
        try:
            entry = self._fresh(url, ttl)  # another thread may have just refreshed it
            if entry is not None:
                self.stats.memory_hits += 1
                _note_cache("hit")
                return self._value(entry)
            wait = self.settings.lock_wait
            args = (url, ttl, channel, parse, credential, auth_scheme, decode)
            if url.startswith("file:"):
                return self._refresh(*args)
            with self.shared_locks.hold(url, wait):
                return self._refresh(*args)
        finally:
            lock.release()

    @staticmethod
    def _value(entry: _Parsed):
        if entry.value is _MISSING:
            raise UpstreamMissing()
        return entry.value, entry.stale

    def _fresh(self, url: str, ttl: int) -> _Parsed | None:
        entry = self._parsed_entry(url)
        if entry is None:
            return None
        # after a failed refresh, try again within the breaker interval, not a whole TTL later
        window = min(ttl, self.settings.breaker_reset) if entry.stale else ttl
        return entry if time.monotonic() - entry.checked_at < window else None

    def _send(self, url: str, ttl: int, headers: dict):
        if url.startswith("file:"):
            return self._file_session.get(url)
        budget = upstream_budget.current()
        if budget is not None and not budget.allows():
            # this request has spent its upstream requests: only what the HTTP cache holds
            response = self.session.get(url, expire_after=ttl, headers=headers, only_if_cached=True)
            if response.status_code == 504:  # requests-cache's "not cached"
                raise upstream_budget.exhausted(budget.limit)
            return response
        try:
            response = self.session.get(
                url, expire_after=ttl, headers=headers, timeout=self.settings.upstream_timeout
            )
        except redis.RedisError as error:
            # the shared cache is down: go to the upstream directly rather than fail
            log.warning("HTTP cache unavailable (%s); fetching uncached", type(error).__name__)
            upstream_budget.spend()
            return self._direct_session.get(
                url, headers=headers, timeout=self.settings.upstream_timeout
            )
        if budget is not None and not getattr(response, "from_cache", False):
            budget.spend()
        return response

    def _refresh(self, url, ttl, channel, parse, credential, auth_scheme, decode=None):
        previous = self._parsed_entry(url)
        headers = authorization(credential, auth_scheme)
        try:
            response = self._send(url, ttl, headers)
        except upstream_budget.UpstreamBudgetExhausted:
            if previous is None:
                raise
            _note_cache("stale")  # no upstream request left: what we parsed before will do
            return self._value(previous)
        except (
            requests.RequestException,
            OSError,
            redis.RedisError,
        ) as error:
            UPSTREAM_FETCHES.labels(channel, "error").inc()
            return self._fallback(url, previous, channel, error)
        from_cache = bool(getattr(response, "from_cache", False))
        if not from_cache:
            self.stats.fetches += 1
        UPSTREAM_FETCHES.labels(channel, "cache" if from_cache else "network").inc()
        now = time.monotonic()
        if response.status_code == 404:
            self._remember(url, _Parsed("404", _MISSING, now, now))
            _note_cache("hit" if from_cache else "miss")
            raise UpstreamMissing(url)
        if response.status_code != 200:
            return self._fallback(url, previous, channel, f"HTTP {response.status_code}")
        stale = bool(getattr(response, "is_expired", False))
        if stale:
            self.stats.stale += 1
        _note_cache("stale" if stale else ("hit" if from_cache else "miss"))
        fingerprint = hashlib.blake2b(response.content, digest_size=16).hexdigest()
        if previous is not None and previous.fingerprint == fingerprint:
            previous.checked_at, previous.stale = now, stale
            return self._value(previous)
        document = getattr(response, "parsed_json", None)
        if decode is not None:
            try:
                document = decode(response.content)
            except UndecodableDocument as error:
                return self._fallback(url, previous, channel, error)
        elif document is None:
            try:
                document = orjson.loads(response.content)
            except orjson.JSONDecodeError as error:
                return self._fallback(url, previous, channel, error)
        self.stats.parses += 1
        value = parse(document)
        # parsed JSON takes ~3x its text; a decoded msgpack.zst ~8x its compressed bytes
        size = len(response.content) * (8 if decode is not None else 3)
        self._remember(url, _Parsed(fingerprint, value, now, now, stale, size))
        return value, stale

    def _fallback(self, url, previous, channel, error):
        """Serve what we parsed before (bounded age), or fail naming the channel."""
        log.warning("upstream for channel %s failed: %s", channel, _describe(error))
        if previous is not None:
            age = time.monotonic() - previous.fetched_at
            if age <= self.settings.stale_max_age:
                previous.checked_at, previous.stale = time.monotonic(), True
                self.stats.stale += 1
                _note_cache("stale")
                return self._value(previous)
        if isinstance(error, UndecodableDocument | UpstreamDocumentError):
            raise UpstreamInvalid(
                f"the upstream of channel {channel!r} sent a document we cannot read: {error}",
                details={"channel": channel},
            )
        if isinstance(error, UpstreamContentError | orjson.JSONDecodeError):
            raise UpstreamInvalid(
                f"the upstream of channel {channel!r} sent data that is not valid JSON",
                details={"channel": channel},
            )
        raise UpstreamError(
            f"the upstream of channel {channel!r} is unavailable and nothing is cached",
            details={"channel": channel},
        )


_MISSING = object()


def _describe(error: object) -> str:
    """A log-safe description of a failure: its type, never a URL with credentials."""
    if isinstance(error, str):
        return error
    if isinstance(error, UndecodableDocument | UpstreamDocumentError):
        return f"{type(error).__name__}: {error}"
    return type(error).__name__
