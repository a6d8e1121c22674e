"""Rate limits per verified client, with Flask-Limiter.

A request counts against its token's subject only once the token has been verified (signature,
claims, deny list); any other request, a forged token included, counts against its address
(the socket's, or a trusted proxy's X-Forwarded-For: common.forwarded). Not counted: health and
static files, calls from our own services (the internal key), and public answers the gateway
already has in its cache (they cost nothing, and GitHub's camo fetches every README image from
a few addresses). A refused badge URL answers a grey "rate limited" badge, never JSON.

Counters live in RATE_LIMIT_STORAGE_URL, else the Redis of GATEWAY_CACHE_URL, else memory://,
where each gunicorn worker counts on its own (a client may get workers × the limit).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time

from flask import Flask
from flask import current_app
from flask import g
from flask import jsonify
from flask import request
from flask_limiter import Limiter

from common import upstream_budget
from common.errors import AppError
from common.internal import is_internal_call
from common.settings import Settings
from common.tokens import validator
from gateway import proxy
from gateway.access import request_audience

log = logging.getLogger(__name__)

EXEMPT_PATHS = ("/healthz", "/readyz")
REFUSED_CACHE_CONTROL = "no-store"
_VERIFIED_MAX = 4096


class VerifiedSubjects:
    """Subjects of tokens this process has verified, until they expire (bounded, per process)."""

    def __init__(self, maxsize: int = _VERIFIED_MAX):
        self.maxsize = maxsize
        self._entries: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def subject(self, token: str, audience: str) -> str | None:
        """The token's `sub` if it verifies for `audience`, else None (never raises)."""
        digest = hashlib.sha256(f"{audience}\0{token}".encode()).hexdigest()
        now = time.time()
        with self._lock:
            found = self._entries.get(digest)
        if found is not None and found[1] > now:
            return found[0]
        try:
            claims = validator().validate(token, audience=audience)
        except AppError:
            return None
        with self._lock:
            if len(self._entries) >= self.maxsize:
                self._entries.clear()
            self._entries[digest] = (claims.subject, float(claims.expires_at))
        return claims.subject


def _audience(path: str) -> str:
    if proxy.BADGE_PATH.match(path):
        return "badges"
    if proxy.SBOM_PATH.match(path):
        return "sbom"
    try:
        return request_audience()
    except AppError:
        return "api"


def client_key() -> str:
    """Who a request counts against: a verified token's subject, else the client address."""
    token = getattr(g, "token", None)
    if token:
        subjects: VerifiedSubjects = current_app.extensions["verified_subjects"]
        subject = subjects.subject(token, _audience(request.path))
        if subject:
            return f"sub:{subject[:128]}"
    return f"addr:{request.remote_addr or 'unknown'}"


def _exempt() -> bool:
    """Health and static files, our own services' calls, and public answers the gateway has
    in its cache: those cost no service or upstream work (limits protect the rest)."""
    path = request.path
    if path in EXEMPT_PATHS or path.startswith("/ui/static/"):
        return True
    if is_internal_call(current_app.config["SETTINGS"].internal_key):
        return True
    forwarder = current_app.extensions.get("proxy")
    return forwarder is not None and forwarder.cached_answer_for_request() is not None


def storage_uri(settings: Settings) -> str:
    """Where counters live: the configured URL, else the Redis cache, else this process."""
    if settings.rate_limit_storage:
        return settings.rate_limit_storage
    if url := settings.cache_redis_url:  # the limits library spells redis-py's unix:// so
        return f"redis+{url}" if url.startswith("unix://") else url
    return "memory://"


def _refusal(wait: int, description: str):
    if proxy.is_badge_path(request.path):
        response = proxy.grey_badge(request.path, "rate limited", 429, REFUSED_CACHE_CONTROL)
    else:
        response = jsonify(
            {
                "error": {
                    "code": "too_many_requests",
                    "message": f"rate limit reached: {description}",
                }
            }
        )
        response.status_code = 429
        response.headers["Cache-Control"] = REFUSED_CACHE_CONTROL
    response.headers["Retry-After"] = str(wait)
    return response


def charge(limiter: Limiter, cost: int) -> None:
    """Count `cost` more hits against every limit this request was counted against."""
    for counted in limiter.current_limits:
        try:
            limiter.limiter.hit(counted.limit, *counted.request_args, cost=cost)
        except Exception as error:  # a broken counter store must not take the gateway down
            log.warning("rate limits: cannot charge upstream requests (%s)", type(error).__name__)


def init_app(app: Flask, settings: Settings) -> Limiter:
    """Install the limiter on the gateway."""
    uri = storage_uri(settings)
    if uri.startswith("memory://") and settings.gunicorn_workers > 1:
        log.warning(
            "rate limits: memory:// counts per worker: each of the %d gunicorn workers allows "
            "RATE_LIMIT (%s) on its own; set RATE_LIMIT_STORAGE_URL (or GATEWAY_CACHE_URL) to a "
            "redis:// URL to share the counters",
            settings.gunicorn_workers,
            settings.rate_limit,
        )
    app.extensions["verified_subjects"] = VerifiedSubjects()
    limiter = Limiter(
        key_func=client_key,
        app=app,
        default_limits=[] if settings.rate_limit.lower() in ("", "off") else [settings.rate_limit],
        storage_uri=uri,
        headers_enabled=False,  # Retry-After goes on the 429 only (below)
        swallow_errors=True,  # a broken counter store must not take the gateway down
        in_memory_fallback_enabled=True,
        default_limits_exempt_when=_exempt,
    )

    @app.before_request
    def _open_budget():
        """Every request may cause a bounded number of upstream requests (more for ours)."""
        internal = is_internal_call(settings.internal_key)
        upstream_budget.begin(
            settings.upstream_internal_budget if internal else settings.upstream_request_budget
        )

    @app.teardown_request
    def _close_budget(_error):
        """Upstream requests beyond the first count against the client's limit too."""
        budget = upstream_budget.end()
        if budget is not None and budget.spent > 1:
            charge(limiter, budget.spent - 1)

    @app.errorhandler(429)
    def _too_many(error):
        """429 with a Retry-After that says when this client's window resets."""
        current = limiter.current_limit
        wait = max(1, int(current.reset_at - time.time())) if current else 60
        return _refusal(wait, error.description)

    return limiter
