"""The public base URL that answers (snippets, page links) are built on.

It comes from PUBLIC_URL when set; otherwise from the request's Host, but only when that host
is one of ALLOWED_HOSTS (the port is not compared). The scheme is the connection's, or a
trusted proxy's `X-Forwarded-Proto` (common.forwarded). The gateway passes the URL it computed
to the services in `X-Public-Base-URL`, which they believe only with the internal key.
"""

from __future__ import annotations

from flask import request

from common.errors import InvalidParameter
from common.internal import is_internal_call
from common.settings import Settings

FORWARDED_HEADER = "X-Public-Base-URL"


def host_name(host: str) -> str:
    """`host[:port]` or `[v6]:port` without the port, lower-cased."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:
        return host.split(":", 1)[0]
    return host


def allowed_host(host: str, allowed: tuple[str, ...]) -> bool:
    """Whether a Host header names an allowed host (`*` allows any: only behind PUBLIC_URL)."""
    name = host_name(host)
    return bool(name) and ("*" in allowed or name in {a.lower() for a in allowed})


def resolve_base_url(settings: Settings, host: str, scheme: str) -> str | None:
    """PUBLIC_URL, else `scheme://host` when `host` is allowed, else None."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    if allowed_host(host, settings.allowed_hosts):
        return f"{scheme}://{host.lower()}"
    return None


def base_url_or_none(settings: Settings) -> str | None:
    """The public base URL for the current request, or None when its Host is not allowed."""
    forwarded = request.headers.get(FORWARDED_HEADER)
    if not settings.public_url and forwarded and is_internal_call(settings.internal_key):
        return forwarded.rstrip("/")
    return resolve_base_url(settings, request.host, request.scheme)


def public_base_url(settings: Settings) -> str:
    """The public base URL for the current request; 400 `host_not_allowed` otherwise."""
    base = base_url_or_none(settings)
    if base is None:
        raise InvalidParameter(
            "this host is not one the service answers for (set PUBLIC_URL or ALLOWED_HOSTS)",
            code="host_not_allowed",
        )
    return base
