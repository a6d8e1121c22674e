"""The hot path: a public badge or SBOM this worker already holds, answered before Flask.

Most traffic the gateway still sees behind the edge is the same few public URLs. For them
this WSGI layer computes the same cache key as the proxy (gateway/cache_keys.py), finds the
answer in the worker's memory and sends it, with the headers the full path would add; the
rate limiter is not involved (cached public answers are exempt), nor Flask. Anything else goes
to the app unchanged: a token anywhere, a query with `%` or `+` (decoded differently by
different parsers, so never guessed at here), an answer not in memory, any other method.
Each hit is counted in the metrics and in gunicorn's access log (which carries the request
ID); the app's own JSON log line is written for the requests Flask answers.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from common.etags import etag_matches
from common.observability import CACHE
from common.observability import CSP_DEFAULT
from common.observability import CSP_SVG
from common.observability import DURATION
from common.observability import REQUESTS
from common.public_url import FORWARDED_HEADER
from common.public_url import resolve_base_url
from common.settings import Settings
from common.tokens.extract import ENVIRON_KEY
from gateway.cache_keys import RequestFacts
from gateway.cache_keys import cache_key
from gateway.response_cache import ResponseCache
from gateway.response_cache import StoredResponse

ROUTE = "/<path:path>"  # the proxy's route template, as the full path labels these requests
_PLAIN_QUERY = re.compile(r"^[A-Za-z0-9._~=&-]*$")
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_STATUS = {200: "200 OK", 304: "304 Not Modified", 400: "400 Bad Request", 404: "404 Not Found"}
_NOT_MODIFIED_HEADERS = ("ETag", "Cache-Control", "Vary")


def _query_items(query: str) -> tuple[tuple[str, str], ...]:
    """`a=1&b=&c` as werkzeug parses a query made of unreserved characters only."""
    items = []
    for part in query.split("&"):
        if part:
            name, _, value = part.partition("=")
            items.append((name, value))
    return tuple(items)


class HotPath:
    """WSGI middleware answering public, cached badge and SBOM URLs from worker memory."""

    def __init__(
        self,
        app: Callable,
        settings: Settings,
        cache: ResponseCache,
        shareable: Callable[[str], bool],
    ):
        self.app = app
        self.settings = settings
        self.cache = cache
        self.shareable = shareable  # whether a path is a badge or SBOM URL the proxy caches

    def _entry(self, environ: dict[str, Any]) -> StoredResponse | None:
        key = self.key_for(environ)
        return self.cache.get_local(key) if key is not None else None

    def key_for(self, environ: dict[str, Any]) -> str | None:
        """The proxy's cache key for this request, or None when it is not for the hot path."""
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD"):
            return None
        if environ.get(ENVIRON_KEY) or "HTTP_AUTHORIZATION" in environ:
            return None  # a token: private, never from a shared cache
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        if not _PLAIN_QUERY.match(query) or not self.shareable(path):
            return None
        host = environ.get("HTTP_HOST")
        if not host or "HTTP_" + FORWARDED_HEADER.upper().replace("-", "_") in environ:
            return None
        base = resolve_base_url(self.settings, host, environ.get("wsgi.url_scheme", "http"))
        if base is None:
            return None
        facts = RequestFacts(method, path, _query_items(query), environ.get("HTTP_ACCEPT"), base)
        return cache_key(facts)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        """Answer a cached public URL here; hand everything else to the app."""
        started = time.perf_counter()
        entry = self._entry(environ)
        if entry is None:
            return self.app(environ, start_response)
        etag = entry.header("ETag")
        given = environ.get("HTTP_IF_NONE_MATCH")
        if etag and etag_matches(given, etag):
            status = 304
            headers = [(n, v) for n, v in entry.headers if n in _NOT_MODIFIED_HEADERS]
            body = b""
        else:
            status = entry.status
            headers = list(entry.headers)
            body = entry.body
        request_id = environ.get("HTTP_X_REQUEST_ID", "")
        if not _SANE_REQUEST_ID.match(request_id):
            request_id = uuid.uuid4().hex
        kind = entry.header("Content-Type") or ""
        headers += [
            ("Age", str(max(0, int(time.time() - entry.stored_at)))),
            ("X-Request-ID", request_id),
            ("X-Cache", "hit"),
            ("X-Content-Type-Options", "nosniff"),
            ("Content-Length", str(len(body))),
        ]
        if entry.header("Content-Security-Policy") is None:
            csp = CSP_SVG if kind.startswith("image/svg+xml") else CSP_DEFAULT
            headers.append(("Content-Security-Policy", csp))
        start_response(_STATUS.get(status) or f"{status} Status", headers)
        CACHE.labels("response", "hit").inc()
        REQUESTS.labels("gateway", ROUTE, environ["REQUEST_METHOD"], str(status)).inc()
        DURATION.labels("gateway", ROUTE).observe(time.perf_counter() - started)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]
