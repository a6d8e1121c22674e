"""Request IDs, one JSON log line per request, Prometheus metrics and security headers."""

from __future__ import annotations

import logging
import re
import time
import uuid

import orjson
from flask import Flask
from flask import Response
from flask import g
from flask import request
from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Histogram
from prometheus_client import multiprocess

from common.settings import Settings

_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
access_log = logging.getLogger("conda_badges.access")

REQUESTS = Counter(
    "http_requests_total", "Requests answered", ["service", "route", "method", "status"]
)
DURATION = Histogram(
    "http_request_duration_seconds",
    "Time to answer a request",
    ["service", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
CACHE = Counter("gateway_cache_total", "Gateway cache look-ups", ["cache", "result"])
_UPSTREAM_FETCHES = Counter(
    "gateway_upstream_fetches_total", "Fetches sent to upstreams", ["channel", "outcome"]
)
# label values are bounded: methods outside this set are `other`, private channels `(private)`,
# channels not in the config (the fallback's: any name a client sends) `(fallback)`
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
PRIVATE_CHANNEL_LABEL = "(private)"
FALLBACK_CHANNEL_LABEL = "(fallback)"
_private_channels: set[str] = set()
_named_channels: set[str] = set()


def hide_channels(names: set[str] | frozenset[str]) -> None:
    """Private channels: counted under the label `(private)`, never under their names."""
    _private_channels.update(names)


def name_channels(names: set[str] | frozenset[str]) -> None:
    """Configured public channels: counted under their names (any other under `(fallback)`)."""
    _named_channels.update(names)


def channel_label(channel: str) -> str:
    """A channel as a metric label: its name if configured and public, else a fixed label."""
    if channel in _private_channels:
        return PRIVATE_CHANNEL_LABEL
    return channel if channel in _named_channels else FALLBACK_CHANNEL_LABEL


class _ChannelCounter:
    """gateway_upstream_fetches_total, whose channel label is bounded (`channel_label`)."""

    def labels(self, channel: str, outcome: str):
        """The child counter for (channel, outcome), private and fallback names hidden."""
        return _UPSTREAM_FETCHES.labels(channel_label(channel), outcome)


UPSTREAM_FETCHES = _ChannelCounter()


def method_label(method: str) -> str:
    """The method as a metric label: a standard method, else `other`."""
    return method if method in METHODS else "other"


CSP_SVG = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
CSP_HTML = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'"
)
CSP_DEFAULT = "default-src 'none'; frame-ancestors 'none'"


def request_id() -> str:
    """This request's ID (kept from a sane `X-Request-ID`, else a new one)."""
    return getattr(g, "request_id", "") or "-"


def route_template() -> str:
    """The matched route's template (never the raw path, which may hold a token)."""
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"


def set_cache_status(status: str) -> None:
    """Record hit/miss/stale for this request's log line."""
    g.cache_status = status


class JsonFormatter(logging.Formatter):
    """Log records as one JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:  # noqa: D102
        body = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        body.update(getattr(record, "fields", {}))
        if record.exc_info:
            body["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(body, default=str).decode()


def configure_logging(settings: Settings) -> None:
    """JSON lines on stderr for the app's loggers, at the configured level."""
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    # requests-cache logs every stale answer with a full traceback; ours say it in one line
    logging.getLogger("requests_cache").setLevel(logging.ERROR)


def metrics_registry() -> CollectorRegistry:
    """A registry with every worker's samples (multiprocess mode), for the metrics listener."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def init_app(app: Flask, service: str, settings: Settings) -> None:
    """Install request IDs, access logging, metrics and security headers on `app`.

    Metrics are not served by the app: the gunicorn master serves them on METRICS_BIND, an
    internal address (deploy/gunicorn.conf.py), never on the public port.
    """
    configure_logging(settings)

    @app.before_request
    def _start():
        g.started = time.perf_counter()
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _SANE_REQUEST_ID.match(given) else uuid.uuid4().hex

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = request_id()
        if getattr(g, "cache_status", None):
            response.headers["X-Cache"] = g.cache_status  # hit, miss or stale
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if response.mimetype == "image/svg+xml":
            response.headers.setdefault("Content-Security-Policy", CSP_SVG)
        elif response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", CSP_HTML)
            response.headers["X-Frame-Options"] = "DENY"
        else:
            response.headers.setdefault("Content-Security-Policy", CSP_DEFAULT)
        route = route_template()
        elapsed = time.perf_counter() - getattr(g, "started", time.perf_counter())
        method = method_label(request.method)
        REQUESTS.labels(service, route, method, str(response.status_code)).inc()
        DURATION.labels(service, route).observe(elapsed)
        access_log.info(
            "request",
            extra={
                "fields": {
                    "service": service,
                    "request_id": request_id(),
                    "method": method,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 2),
                    "cache": getattr(g, "cache_status", None),
                }
            },
        )
        return response
