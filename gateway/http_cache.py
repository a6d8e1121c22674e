"""The upstream HTTP session: requests-cache (SQLite or Redis) over guarded transport adapters.

Below the cache, every real upstream call goes through a per-host circuit breaker, bounded
retries with jittered backoff, and a check that a 200 carries a JSON object. A failure there is
an exception, so requests-cache never stores it over a good entry and serves the stale entry
instead (stale-if-error).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import orjson
import requests
from requests.adapters import BaseAdapter
from requests.adapters import HTTPAdapter
from requests_cache import CachedSession
from requests_cache.backends import RedisCache
from requests_cache.backends import SQLiteCache
from requests_file import FileAdapter
from urllib3.util.retry import Retry

from common.pooled_http import ReadTimeoutFinalRetry
from common.settings import Settings
from gateway.breaker import Breakers
from gateway.breaker import CircuitOpenError
from gateway.shards.format import check_msgpack_zst
from gateway.shards.format import check_zst

MAX_REPODATA_BYTES = 4 * 1024**3  # decompressed repodata.json: conda-forge linux-64 is ~0.4 GB

CACHE_NAMESPACE = "conda-badges:http"
USER_AGENT = "conda-badges-gateway/0.1"


class UpstreamContentError(requests.RequestException):
    """The upstream answered 200 with a body that is not a JSON object (or, for a
    `.msgpack.zst` document, not a complete zstd-compressed msgpack map)."""


class UpstreamDocumentError(UpstreamContentError):
    """The upstream answered 200 with a `.msgpack.zst` body that is not a complete one."""


class UpstreamStatusError(requests.RequestException):
    """The upstream answered with a server error (5xx)."""


class CircuitOpen(requests.RequestException):
    """The upstream failed repeatedly; we are not calling it until the next probe."""


class GuardedAdapter(BaseAdapter):
    """Wraps a transport adapter with a circuit breaker and a JSON check on 200s."""

    def __init__(self, inner: BaseAdapter, breakers: Breakers | None = None):
        super().__init__()
        self.inner = inner
        self.breakers = breakers

    def _send(self, request, **kwargs):
        response = self.inner.send(request, **kwargs)
        if response.status_code >= 500:
            raise UpstreamStatusError(f"upstream answered {response.status_code}")
        path = urlsplit(request.url).path
        if response.status_code == 200 and path.endswith(".msgpack.zst"):
            problem = check_msgpack_zst(response.content)
            if problem:
                raise UpstreamDocumentError(problem)
        elif response.status_code == 200 and path.endswith(".json.zst"):
            # whole repodata for a host index (shared through Redis): complete zstd, or refused
            problem = check_zst(response.content, MAX_REPODATA_BYTES)
            if problem:
                raise UpstreamDocumentError(problem)
        elif response.status_code == 200:
            try:
                parsed = orjson.loads(response.content)
            except orjson.JSONDecodeError as error:
                raise UpstreamContentError("upstream body is not valid JSON") from error
            if not isinstance(parsed, dict):
                raise UpstreamContentError("upstream body is not a JSON object")
            response.parsed_json = parsed
        return response

    def send(self, request, **kwargs):  # noqa: D102 - the requests adapter interface
        if self.breakers is None:
            return self._send(request, **kwargs)
        breaker = self.breakers.for_url(request.url)
        try:
            breaker.before_call()
        except CircuitOpenError as error:
            raise CircuitOpen("circuit open for this upstream") from error
        try:
            response = self._send(request, **kwargs)
        except Exception:
            breaker.record_failure()
            raise
        breaker.record_success()
        return response

    def close(self) -> None:  # noqa: D102
        self.inner.close()


def retry_policy() -> Retry:
    """Bounded retries: connection failures (a dropped reused connection too, never a read
    timeout) and 502/503/504, jittered, Retry-After capped."""
    return ReadTimeoutFinalRetry(
        total=2,
        connect=2,
        read=1,
        status=1,
        status_forcelist=(502, 503, 504),
        allowed_methods=frozenset({"GET"}),
        backoff_factor=0.1,
        backoff_jitter=0.1,
        backoff_max=1.0,
        respect_retry_after_header=True,
        retry_after_max=2,
        raise_on_status=False,
    )


def cache_backend(settings: Settings):
    """The requests-cache backend named by GATEWAY_CACHE_URL (Redis) or SQLite by default."""
    stale = settings.stale_max_age
    if settings.cache_redis_url:
        import redis

        connection = redis.Redis.from_url(settings.cache_redis_url, socket_timeout=2)
        # keep entries past expiry for as long as we are willing to serve them stale
        return RedisCache(namespace=CACHE_NAMESPACE, connection=connection, ttl_offset=stale)
    path = settings.cache_url.removeprefix("sqlite:///") if settings.cache_url else ""
    path = path or str(settings.sqlite_cache_path)
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    return SQLiteCache(path, wal=True, busy_timeout=5000)


def make_session(settings: Settings, breakers: Breakers | None = None) -> CachedSession:
    """A cached session for upstream fetches; create it after gunicorn forks, not before."""
    session = CachedSession(
        backend=cache_backend(settings),
        expire_after=settings.default_ttl,
        stale_if_error=timedelta(seconds=settings.stale_max_age),
        # 404s are cached too: "this channel has no channeldata.json" is worth remembering,
        # and is served stale like anything else while the upstream is down
        allowable_codes=(200, 404),
        allowable_methods=("GET",),
        match_headers=False,
    )
    http = HTTPAdapter(pool_connections=8, pool_maxsize=32, max_retries=retry_policy())
    session.mount("http://", GuardedAdapter(http, breakers))
    session.mount("https://", GuardedAdapter(http, breakers))
    session.headers["User-Agent"] = USER_AGENT
    return session


def make_direct_session(breakers: Breakers | None = None) -> requests.Session:
    """An uncached session with the same guards, for when the shared cache is down."""
    session = requests.Session()
    http = HTTPAdapter(pool_connections=4, pool_maxsize=16, max_retries=retry_policy())
    session.mount("http://", GuardedAdapter(http, breakers))
    session.mount("https://", GuardedAdapter(http, breakers))
    session.headers["User-Agent"] = USER_AGENT
    return session


def make_file_session() -> requests.Session:
    """A plain session for file:// channels: local files need no HTTP cache (and
    requests-cache cannot store file responses); the fetcher's memory still serves stale."""
    session = requests.Session()
    session.mount("file://", GuardedAdapter(FileAdapter()))
    session.headers["User-Agent"] = USER_AGENT
    return session
