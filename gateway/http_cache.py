"""The upstream HTTP session: requests-cache (SQLite or Redis) over validated JSON responses."""

from __future__ import annotations

from datetime import timedelta

import orjson
import requests
from requests.adapters import BaseAdapter
from requests.adapters import HTTPAdapter
from requests_cache import CachedSession
from requests_cache.backends import RedisCache
from requests_cache.backends import SQLiteCache
from requests_file import FileAdapter

from common.settings import Settings

CACHE_NAMESPACE = "conda-badges:http"
USER_AGENT = "conda-badges-gateway/0.1"


class UpstreamContentError(requests.RequestException):
    """The upstream answered 200 with a body that is not a JSON object."""


class ValidatingAdapter(BaseAdapter):
    """Wraps a transport adapter: a 200 must carry a JSON object, or it counts as a failure.

    Raising here (rather than returning the bad body) means requests-cache never stores
    garbage over a good entry, and serves the stale entry instead (stale-if-error).
    """

    def __init__(self, inner: BaseAdapter):
        super().__init__()
        self.inner = inner

    def send(self, request, **kwargs):  # noqa: D102 - the requests adapter interface
        response = self.inner.send(request, **kwargs)
        if response.status_code == 200:
            try:
                parsed = orjson.loads(response.content)
            except orjson.JSONDecodeError as error:
                raise UpstreamContentError("upstream body is not valid JSON") from error
            if not isinstance(parsed, dict):
                raise UpstreamContentError("upstream body is not a JSON object")
            response.parsed_json = parsed
        return response

    def close(self) -> None:  # noqa: D102
        self.inner.close()


def cache_backend(settings: Settings):
    """The requests-cache backend named by GATEWAY_CACHE_URL (Redis) or SQLite by default."""
    stale = settings.stale_max_age
    if settings.cache_url.startswith(("redis://", "rediss://", "unix://")):
        import redis

        connection = redis.Redis.from_url(settings.cache_url, socket_timeout=2)
        # keep entries past expiry for as long as we are willing to serve them stale
        return RedisCache(namespace=CACHE_NAMESPACE, connection=connection, ttl_offset=stale)
    path = settings.cache_url.removeprefix("sqlite:///") if settings.cache_url else ""
    path = path or str(settings.sqlite_cache_path)
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    return SQLiteCache(path, wal=True, busy_timeout=5000)


def make_session(settings: Settings) -> CachedSession:
    """A cached session for upstream fetches; create it after gunicorn forks, not before."""
    session = CachedSession(
        backend=cache_backend(settings),
        expire_after=settings.default_ttl,
        stale_if_error=timedelta(seconds=settings.stale_max_age),
        allowable_codes=(200,),
        allowable_methods=("GET",),
        match_headers=False,
    )
    http = HTTPAdapter(pool_connections=8, pool_maxsize=32, max_retries=0)
    session.mount("http://", ValidatingAdapter(http))
    session.mount("https://", ValidatingAdapter(http))
    session.headers["User-Agent"] = USER_AGENT
    return session


def make_file_session() -> requests.Session:
    """A plain session for file:// channels: local files need no HTTP cache (and
    requests-cache cannot store file responses); the fetcher's memory still serves stale."""
    session = requests.Session()
    session.mount("file://", ValidatingAdapter(FileAdapter()))
    session.headers["User-Agent"] = USER_AGENT
    return session
