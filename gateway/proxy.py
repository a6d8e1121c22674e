"""Forwarding badge and SBOM URLs to the two services, with a cache of public answers."""

from __future__ import annotations

import re
import threading
import time

import requests
from flask import Blueprint
from flask import Response
from flask import current_app
from flask import g
from flask import jsonify
from flask import request
from requests.structures import CaseInsensitiveDict

from common.badge_render import render_svg
from common.errors import AppError
from common.errors import NotFound
from common.errors import UpstreamError
from common.etags import etag_matches
from common.observability import CACHE
from common.observability import request_id
from common.observability import set_cache_status
from common.pooled_http import pooled_session
from common.public_url import FORWARDED_HEADER
from common.public_url import base_url_or_none
from common.public_url import public_base_url
from common.settings import Settings
from gateway.cache_keys import RequestFacts
from gateway.cache_keys import cache_key
from gateway.response_cache import KEPT_HEADERS
from gateway.response_cache import ResponseCache
from gateway.response_cache import StoredResponse
from gateway.shared_lifetime import cap_shared_lifetime

bp = Blueprint("proxy", __name__)

_LABEL = r"(?:/label/[^/]+)?"
BADGE_PATH = re.compile(rf"^/[^/]+{_LABEL}/[^/]+/badges(?:/[^/]+\.(?:svg|json))?$")
SBOM_PATH = re.compile(
    rf"^(?:/[^/]+{_LABEL}/[^/]+/[^/]+(?:\.(?:cdx|spdx|spdx3)(?:\.intoto)?\.json|/sbom\.json)"
    r"|/\.well-known/conda-badges/sbom-keys\.json)$"
)
_FORWARD_REQUEST = ("Accept", "User-Agent")
_FORWARD_RESPONSE = KEPT_HEADERS
UNAVAILABLE_MAX_AGE = 10


class ServiceUnavailable(UpstreamError):
    """A service is down (502) or too slow (504)."""

    status = 502
    code = "service_unavailable"


class ServiceTimeout(ServiceUnavailable):
    """A service did not answer within SERVICE_TIMEOUT."""

    status = 504
    code = "service_timeout"


class ServiceProxy:
    """A pooled keep-alive client for the badges and SBOM services, and the response cache."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.session = pooled_session(pool_connections=2, pool_maxsize=64)
        self.cache = ResponseCache(redis_url=settings.cache_redis_url)
        self._inflight: dict[str, threading.Event] = {}
        self._inflight_lock = threading.Lock()
        private = (c.name for c in settings.channels.values() if c.private)
        self._private = frozenset(name.lower() for name in private)

    def coalesce(self, key: str) -> tuple[bool, threading.Event]:
        """(leader?, event): the first request for a cold key calls the service, the rest wait."""
        with self._inflight_lock:
            event = self._inflight.get(key)
            if event is not None:
                return False, event
            event = self._inflight[key] = threading.Event()
            return True, event

    def done(self, key: str, event: threading.Event) -> None:
        """The leader has an answer (or gave up): wake the waiters."""
        with self._inflight_lock:
            self._inflight.pop(key, None)
        event.set()

    def request_facts(self) -> RequestFacts:
        """What the current request's answer may depend on (looked up once per request)."""
        if "request_facts" not in g:
            g.request_facts = RequestFacts(
                request.method,
                request.path,
                tuple(request.args.items(multi=True)),
                request.headers.get("Accept"),
                base_url_or_none(self.settings) or "",
            )
        return g.request_facts

    def request_key(self) -> str | None:
        """The cache key of the current request, or None when it may not be shared (a token,
        not a badge or SBOM URL, or a private channel's: what was stored while the channel was
        public is never served once it is private)."""
        if getattr(g, "token", None) is not None or self.target(request.path) is None:
            return None
        if request.path.split("/", 2)[1].lower() in self._private:
            return None
        return cache_key(self.request_facts())

    def cached_answer_for_request(self) -> StoredResponse | None:
        """The fresh stored answer to the current request, if any (looked up once per request)."""
        if "cached_answer" not in g:
            key = self.request_key()
            g.cached_answer = self.cache.get(key) if key else None
            g.cached_key = key
        return g.cached_answer

    def target(self, path: str) -> str | None:
        """The base URL of the service that answers `path`, or None."""
        if BADGE_PATH.match(path):
            return self.settings.badges_url
        if SBOM_PATH.match(path):
            return self.settings.sbom_url
        return None

    def call(self, base: str, path: str, token: str | None, conditional: bool) -> requests.Response:
        """Send the current request on to the service, the token moved to a header."""
        headers = {k: request.headers[k] for k in _FORWARD_REQUEST if k in request.headers}
        if conditional and "If-None-Match" in request.headers:
            headers["If-None-Match"] = request.headers["If-None-Match"]
        headers["X-Request-ID"] = request_id()
        headers["X-Forwarded-For"] = request.remote_addr or ""
        facts = self.request_facts()
        if self.settings.internal_key:
            headers["X-Internal-Key"] = self.settings.internal_key
            if facts.base_url:  # checked here (PUBLIC_URL or ALLOWED_HOSTS), believed there
                headers[FORWARDED_HEADER] = facts.base_url
        if token:
            headers["Authorization"] = f"Bearer {token}"
        params = facts.forwarded_query()
        try:
            return self.session.request(
                request.method,
                base + path,
                params=params,
                headers=headers,
                timeout=self.settings.service_timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise ServiceTimeout("the service did not answer in time") from None
        except requests.RequestException:
            raise ServiceUnavailable("the service is unavailable") from None


def _from_stored(entry: StoredResponse) -> Response:
    etag = entry.header("ETag")
    if etag and etag_matches(request.headers.get("If-None-Match"), etag):
        response = Response(status=304)
        for name in ("ETag", "Cache-Control", "Vary"):
            if entry.header(name):
                response.headers[name] = entry.header(name)
    else:
        response = Response(entry.body, status=entry.status)
        for name, value in entry.headers:
            response.headers[name] = value
    response.headers["Age"] = str(max(0, int(time.time() - entry.stored_at)))
    return response


def _from_service(upstream: requests.Response, headers: CaseInsensitiveDict) -> Response:
    response = Response(upstream.content, status=upstream.status_code)
    for name in _FORWARD_RESPONSE:
        if name in headers:
            response.headers[name] = headers[name]
    return response


def grey_badge(path: str, message: str, status: int, cache_control: str) -> Response:
    """A grey badge (SVG, or shields JSON for `.json`) that the gateway itself answers."""
    if path.endswith(".json"):
        response = jsonify(
            {"schemaVersion": 1, "label": "badge", "message": message, "color": "lightgrey"}
        )
    else:
        svg = render_svg("badge", message, "lightgrey")  # the one call site in the gateway
        response = Response(svg, mimetype="image/svg+xml")
        response.headers["Content-Type"] = "image/svg+xml; charset=utf-8"
    response.status_code = status
    response.headers["Cache-Control"] = cache_control
    return response


def unavailable_badge(error: AppError, path: str) -> Response:
    """What a badge URL answers when its service is down: a grey badge, never a broken image."""
    return grey_badge(path, "unavailable", error.status, f"max-age={UNAVAILABLE_MAX_AGE}")


def is_shareable_path(path: str) -> bool:
    """Whether `path` is a badge or SBOM URL, whose public answers the proxy may share."""
    return bool(BADGE_PATH.match(path) or SBOM_PATH.match(path))


def is_badge_path(path: str) -> bool:
    """Whether `path` is a badge image or shields JSON URL (not the snippets listing)."""
    return bool(BADGE_PATH.match(path)) and not path.endswith("/badges")


@bp.route("/<path:path>", methods=["GET", "HEAD"])
def forward(path: str):
    """Badge and SBOM URLs go to their service (or the cache); anything else is not found."""
    proxy: ServiceProxy = current_app.extensions["proxy"]
    full = "/" + path
    base = proxy.target(full)
    if base is None:
        raise NotFound(f"nothing at {full[:200]!r}", code="not_found")
    if full.endswith("/badges"):  # snippets are built on the public base URL
        public_base_url(proxy.settings)
    token = getattr(g, "token", None)
    if token is not None:  # private: never cached, never shared
        return _call(proxy, base, full, token)
    entry = proxy.cached_answer_for_request()
    key = g.cached_key
    if key is None:  # a private channel's URL without a token: never shared
        return _call(proxy, base, full, None)
    CACHE.labels("response", "hit" if entry else "miss").inc()
    if entry is not None:
        set_cache_status("hit")
        return _from_stored(entry)
    leader, event = proxy.coalesce(key)
    if not leader:
        # a burst of identical cold requests: one goes to the service, the rest wait for it
        event.wait(proxy.settings.service_timeout[1])
        entry = proxy.cache.get(key)
        if entry is not None:
            set_cache_status("hit")
            return _from_stored(entry)
    set_cache_status("miss")
    try:
        response = _call(proxy, base, full, None, key)
    finally:
        if leader:
            proxy.done(key, event)
    return response


def _call(proxy: ServiceProxy, base: str, path: str, token: str | None, key: str | None = None):
    """Ask the service; store a shareable answer under `key`; badge URLs never break."""
    try:
        upstream = proxy.call(base, path, token, conditional=key is None)
    except ServiceUnavailable as error:
        if base == proxy.settings.badges_url:
            return unavailable_badge(error, path)
        raise
    headers = CaseInsensitiveDict(upstream.headers)  # shared caches keep it shared_max_age at most
    capped = cap_shared_lifetime(headers.get("Cache-Control"), proxy.settings.shared_max_age)
    if capped is not None:
        headers["Cache-Control"] = capped
    if key is not None and proxy.cache.put(key, upstream.status_code, headers, upstream.content):
        entry = proxy.cache.get(key)
        if entry is not None:
            return _from_stored(entry)
    return _from_service(upstream, headers)
