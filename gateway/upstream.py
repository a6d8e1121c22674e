"""Fetching upstream JSON through the HTTP cache, parsing each document once per change."""

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
import requests

from common.errors import UpstreamError
from common.errors import UpstreamInvalid
from common.settings import Settings
from gateway.http_cache import UpstreamContentError
from gateway.http_cache import make_file_session
from gateway.http_cache import make_session

log = logging.getLogger(__name__)
T = TypeVar("T")

# After a failed refresh, try the upstream again this soon (seconds), not a whole TTL later.
RETRY_AFTER_FAILURE = 5.0


class UpstreamMissing(Exception):
    """The upstream answered 404 for a document (the caller decides what that means)."""


@dataclass
class _Parsed:
    fingerprint: str
    value: Any
    checked_at: float
    fetched_at: float
    stale: bool = False


@dataclass
class FetchStats:
    """Counters for tests, benchmarks and (later) metrics: fetches, parses, stale answers."""

    fetches: int = 0
    parses: int = 0
    stale: int = 0
    memory_hits: int = 0


class UpstreamFetcher:
    """Gets upstream JSON documents: memory first, then the shared HTTP cache, then upstream."""

    def __init__(self, settings: Settings, session_factory: Callable = make_session):
        self.settings = settings
        self._session_factory = session_factory
        self._session = None
        self._file_session = make_file_session()
        self._session_lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._parsed: dict[str, _Parsed] = {}
        self.stats = FetchStats()

    @property
    def session(self):
        """The cached session, opened lazily in the worker process that uses it."""
        if self._session is None:
            with self._session_lock:
                if self._session is None:
                    self._session = self._session_factory(self.settings)
        return self._session

    def _lock_for(self, key: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(key, threading.Lock())

    def get(
        self,
        url: str,
        *,
        ttl: int,
        channel: str,
        parse: Callable[[dict], T],
        credential: str = "",
        auth_scheme: str = "token",
    ) -> tuple[T, bool]:
        """Return (parsed document, stale?) for `url`; parse only when its content changed.

        Raises UpstreamMissing on 404, UpstreamError/UpstreamInvalid when nothing usable is
        cached. Error messages name the channel, never the upstream URL or credential.
        """
        entry = self._fresh(url, ttl)
        if entry is not None:
            self.stats.memory_hits += 1
            return entry.value, entry.stale
        with self._lock_for(url):
            entry = self._fresh(url, ttl)  # another thread may have just refreshed it
            if entry is not None:
                self.stats.memory_hits += 1
                return entry.value, entry.stale
            return self._refresh(url, ttl, channel, parse, credential, auth_scheme)

    def _fresh(self, url: str, ttl: int) -> _Parsed | None:
        entry = self._parsed.get(url)
        if entry is None:
            return None
        window = min(ttl, RETRY_AFTER_FAILURE) if entry.stale else ttl
        return entry if time.monotonic() - entry.checked_at < window else None

    def _refresh(self, url, ttl, channel, parse, credential, auth_scheme):
        previous = self._parsed.get(url)
        headers = {"Authorization": f"{auth_scheme} {credential}"} if credential else {}
        self.stats.fetches += 1
        try:
            if url.startswith("file:"):
                response = self._file_session.get(url)
            else:
                response = self.session.get(
                    url, expire_after=ttl, headers=headers, timeout=self.settings.upstream_timeout
                )
        except (requests.RequestException, OSError) as error:
            return self._fallback(url, previous, channel, error)
        if response.status_code == 404:
            raise UpstreamMissing(url)
        if response.status_code != 200:
            return self._fallback(url, previous, channel, f"HTTP {response.status_code}")
        stale = bool(getattr(response, "is_expired", False))
        if stale:
            self.stats.stale += 1
        fingerprint = hashlib.blake2b(response.content, digest_size=16).hexdigest()
        now = time.monotonic()
        if previous is not None and previous.fingerprint == fingerprint:
            previous.checked_at, previous.stale = now, stale
            return previous.value, stale
        document = getattr(response, "parsed_json", None)
        if document is None:
            try:
                document = orjson.loads(response.content)
            except orjson.JSONDecodeError as error:
                return self._fallback(url, previous, channel, error)
        self.stats.parses += 1
        value = parse(document)
        self._parsed[url] = _Parsed(fingerprint, value, now, now, stale)
        return value, stale

    def _fallback(self, url, previous, channel, error):
        """Serve what we parsed before (bounded age), or fail naming the channel."""
        log.warning("upstream for channel %s failed: %s", channel, _describe(error))
        if previous is not None:
            age = time.monotonic() - previous.fetched_at
            if age <= self.settings.stale_max_age:
                previous.checked_at, previous.stale = time.monotonic(), True
                self.stats.stale += 1
                return previous.value, True
        if isinstance(error, UpstreamContentError | orjson.JSONDecodeError):
            raise UpstreamInvalid(
                f"the upstream of channel {channel!r} sent data that is not valid JSON",
                details={"channel": channel},
            )
        raise UpstreamError(
            f"the upstream of channel {channel!r} is unavailable and nothing is cached",
            details={"channel": channel},
        )


def _describe(error: object) -> str:
    """A log-safe description of a failure: its type, never a URL with credentials."""
    return error if isinstance(error, str) else type(error).__name__
