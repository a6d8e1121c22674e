"""Rate limits per client (per token subject, else per address) with Flask-Limiter."""

from __future__ import annotations

import time

import jwt
from flask import Flask
from flask import current_app
from flask import g
from flask import jsonify
from flask import request
from flask_limiter import Limiter
from werkzeug.middleware.proxy_fix import ProxyFix

from common.settings import Settings

EXEMPT_PATHS = ("/healthz", "/readyz", "/metrics")


def client_key() -> str:
    """Who a request counts against: its token's subject, else the client address."""
    token = getattr(g, "token", None)
    if token:
        try:
            subject = jwt.decode(token, options={"verify_signature": False}).get("sub")
        except jwt.PyJWTError:
            subject = None
        if isinstance(subject, str) and subject:
            return f"sub:{subject[:128]}"
    return f"addr:{request.remote_addr or 'unknown'}"


def _exempt() -> bool:
    """Health, metrics and static files, and public answers the gateway has in its cache:
    those cost no service or upstream work, like a static file (limits protect the rest)."""
    path = request.path
    if path in EXEMPT_PATHS or path.startswith("/ui/static/"):
        return True
    proxy = current_app.extensions.get("proxy")
    return proxy is not None and proxy.cached_answer_for_request() is not None


def storage_uri(settings: Settings) -> str:
    """Where counters live: the configured URL, else the Redis cache, else this process."""
    if settings.rate_limit_storage:
        return settings.rate_limit_storage
    if settings.cache_url.startswith(("redis://", "rediss://")):
        return settings.cache_url
    return "memory://"


def init_app(app: Flask, settings: Settings) -> Limiter:
    """Install the limiter (and trusted-proxy address handling) on the gateway."""
    if settings.trusted_proxies > 0:
        # X-Forwarded-For is believed only for the configured number of proxy hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies)  # type: ignore[method-assign]
    limiter = Limiter(
        key_func=client_key,
        app=app,
        default_limits=[] if settings.rate_limit.lower() in ("", "off") else [settings.rate_limit],
        storage_uri=storage_uri(settings),
        headers_enabled=False,  # Retry-After goes on the 429 only (below)
        swallow_errors=True,  # a broken counter store must not take the gateway down
        in_memory_fallback_enabled=True,
        default_limits_exempt_when=lambda: (
            request.path in EXEMPT_PATHS or request.path.startswith("/ui/static/")
        ),
    )

    @app.errorhandler(429)
    def _too_many(error):
        """429 with a Retry-After that says when this client's window resets."""
        current = limiter.current_limit
        wait = max(1, int(current.reset_at - time.time())) if current else 60
        response = jsonify(
            {
                "error": {
                    "code": "too_many_requests",
                    "message": f"rate limit reached: {error.description}",
                }
            }
        )
        response.status_code = 429
        response.headers["Retry-After"] = str(wait)
        return response

    return limiter
